// Thin GraphQL adapter over the templates service; arguments are checked against the
// REST schemas (templates.schemas.ts).
import { Arg, ID, Query, Resolver } from 'type-graphql';
import { Access } from '../graphql/access.js';
import { argumentRule } from '../graphql/arguments.js';
import { CacheControl, ListSize, PUBLIC_MAX_AGE } from '../graphql/directives.js';
import { validate } from '../lib/validation.js';
import { TemplateParams, TemplatesQuery } from './templates.schemas.js';
import type { TemplatesService } from './templates.service.js';
import { TaskTemplateType, toTemplateType } from './templates.types.js';

const templatesArgs = argumentRule(TemplatesQuery, 'query', (a: { category?: string | null }) =>
  a.category == null ? {} : { category: a.category },
);

@Resolver()
export class TemplatesResolver {
  constructor(private readonly services: { templates: TemplatesService }) {}

  @ListSize({ assumedSize: 10 })
  @Access.public()
  @CacheControl({ maxAge: PUBLIC_MAX_AGE })
  @Query(() => [TaskTemplateType], { description: 'Task templates by category, then name; no credentials needed.' })
  @templatesArgs.decorator
  async templates(
    @Arg('category', () => String, { nullable: true }) category: string | null,
  ): Promise<TaskTemplateType[]> {
    const q = templatesArgs.parse({ category });
    return (await this.services.templates.list(q.category)).map(toTemplateType);
  }

  @Access.public()
  @CacheControl({ maxAge: PUBLIC_MAX_AGE })
  @Query(() => TaskTemplateType, { nullable: true, description: 'One task template; no credentials needed.' })
  async template(@Arg('id', () => ID) id: string): Promise<TaskTemplateType> {
    const p = validate(TemplateParams, { template_id: id }, 'path');
    return toTemplateType(await this.services.templates.get(p.template_id));
  }
}

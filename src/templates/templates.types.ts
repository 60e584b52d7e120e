// GraphQL type of a task template.
import { Field, GraphQLISODateTime, ID, ObjectType } from 'type-graphql';
import type { TaskTemplateRow } from '../db/types.js';
import { CacheControl } from '../graphql/directives.js';

@CacheControl({ inheritMaxAge: true })
@ObjectType('TaskTemplate', { description: 'A ready-made monitor to start a task from.' })
export class TaskTemplateType {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String) description!: string;
  @Field(() => String) category!: string;
  @Field(() => String, { nullable: true }) icon!: string | null;
  @Field(() => String) searchQuery!: string;
  @Field(() => String) conditionDescription!: string;
  @Field(() => Boolean) isActive!: boolean;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime) updatedAt!: Date;
}

export const toTemplateType = (t: TaskTemplateRow): TaskTemplateType => ({
  id: t.id,
  name: t.name,
  description: t.description,
  category: t.category,
  icon: t.icon,
  searchQuery: t.search_query,
  conditionDescription: t.condition_description,
  isActive: t.is_active,
  createdAt: t.created_at,
  updatedAt: t.updated_at,
});

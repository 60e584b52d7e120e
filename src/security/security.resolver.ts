// GraphQL over the security log: a Relay connection, newest first.

import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { Access } from '../graphql/access.js';
import { argumentRule } from '../graphql/arguments.js';
import type { GraphQLContext } from '../graphql/context.js';
import { ListSize } from '../graphql/directives.js';
import { ConnectionArgs } from '../http/schemas.js';
import { SecurityEventConnectionType, toSecurityEventType } from './security.types.js';
import type { SecurityEventsService } from './security-events.service.js';

const connectionArgs = argumentRule(ConnectionArgs, 'query', (a: { first?: number | null; after?: string | null }) =>
  Object.fromEntries(Object.entries({ first: a.first, after: a.after }).filter(([, v]) => v != null)),
);

@Resolver()
export class SecurityResolver {
  constructor(private readonly services: { securityEvents: SecurityEventsService }) {}

  @Access.scopes(['keys:read'], ['keys:write'])
  @Query(() => SecurityEventConnectionType, { description: 'What happened to your account and keys, newest first.' })
  @ListSize({ slicingArguments: ['first'], sizedFields: ['edges'] })
  @connectionArgs.decorator
  async securityEvents(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SecurityEventConnectionType> {
    const q = connectionArgs.parse({ first, after });
    const { events, nextCursor } = await this.services.securityEvents.page(ctx.viewer, {
      limit: q.first,
      cursor: q.after,
    });
    const svc = this.services.securityEvents;
    const edges = events.map((e) => ({ cursor: svc.cursorOf(e), node: toSecurityEventType(e) }));
    return { edges, pageInfo: { hasNextPage: nextCursor !== null, endCursor: edges.at(-1)?.cursor ?? null } };
  }
}

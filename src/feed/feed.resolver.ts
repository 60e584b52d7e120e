// Thin GraphQL adapter over the feed service; `limit` is the REST query's, checked (and
// used for the cost) before execution.

import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { Access } from '../graphql/access.js';
import { argumentRule } from '../graphql/arguments.js';
import type { GraphQLContext } from '../graphql/context.js';
import { CacheControl, ListSize, PUBLIC_MAX_AGE } from '../graphql/directives.js';
import { FeedQuery } from './feed.schemas.js';
import type { FeedService } from './feed.service.js';
import { FeedExecutionType, toFeedType } from './feed.types.js';

const feedArgs = argumentRule(FeedQuery, 'query', (a: { limit?: number | null }) =>
  a.limit == null ? {} : { limit: a.limit },
);

@Resolver()
export class FeedResolver {
  constructor(private readonly services: { feed: FeedService }) {}

  @Access.scopes(['tasks:read'])
  @Query(() => [FeedExecutionType], {
    description: 'Your recent successful runs that produced a notification, newest first (limit 1–100, default 50).',
  })
  @ListSize({ slicingArguments: ['limit'] })
  @feedArgs.decorator
  async feed(
    @Arg('limit', () => Int, { nullable: true }) limit: number | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<FeedExecutionType[]> {
    return (await this.services.feed.own(ctx.viewer, feedArgs.parse({ limit }).limit)).map(toFeedType);
  }

  @Access.public()
  @Query(() => [FeedExecutionType], {
    description: 'The same over public tasks, as anyone may see them (no error details); no credentials.',
  })
  @CacheControl({ maxAge: PUBLIC_MAX_AGE })
  @ListSize({ slicingArguments: ['limit'] })
  @feedArgs.decorator
  async publicFeed(@Arg('limit', () => Int, { nullable: true }) limit: number | null): Promise<FeedExecutionType[]> {
    return (await this.services.feed.public(feedArgs.parse({ limit }).limit)).map(toFeedType);
  }
}

// `rateLimit { limit cost remaining resetAt }` (as GitHub's GraphQL API has it): the caller's
// GraphQL budget after this operation — the numbers of the RateLimit-* headers and of
// `extensions.cost` on the same answer (budget/graphql-budget.ts keeps them).
import { Ctx, Field, GraphQLISODateTime, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { Access } from '../graphql/access.js';
import type { GraphQLContext } from '../graphql/context.js';

@ObjectType('RateLimit', {
  description: 'Your GraphQL budget: cost points per window, per API key (per user for sessions).',
})
export class RateLimitType {
  @Field(() => Int, { description: 'Points per window (RateLimit-Limit).' }) limit!: number;
  @Field(() => Int, { description: 'What this operation cost.' }) cost!: number;
  @Field(() => Int, { description: 'Points left in this window after this operation (RateLimit-Remaining).' })
  remaining!: number;
  @Field(() => GraphQLISODateTime, { description: 'When the window resets (RateLimit-Reset, as a time).' })
  resetAt!: Date;
}

@Resolver()
export class RateLimitResolver {
  @Access.public()
  @Query(() => RateLimitType, {
    nullable: true,
    description: 'Your GraphQL budget after this operation; null without credentials or with budgets off.',
  })
  rateLimit(@Ctx() ctx: GraphQLContext): RateLimitType | null {
    const budget = ctx.budget;
    const s = budget?.state;
    if (!budget || !s) return null;
    return { limit: s.limit, cost: budget.cost ?? 0, remaining: s.remaining, resetAt: new Date(s.resetAt) };
  }
}

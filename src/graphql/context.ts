// What every GraphQL operation runs with, over HTTP, WebSocket and SSE alike: the caller,
// where they are, and the resolver instances of this gateway (each holding its own
// services). Built in one place so the transports cannot drift apart.
import type { IncomingHttpHeaders } from 'node:http';
import type { ContainerType } from 'type-graphql';
import type { Viewer } from '../auth/viewer.js';

export interface GraphQLContext {
  viewer: Viewer;
  /** The client's address (after TRUST_PROXY): one anonymous viewer of a public task. */
  address: string;
  /** The client's User-Agent (for the security log). */
  userAgent?: string | undefined;
  /** This gateway's resolver instances; type-graphql asks it for each resolver it runs. */
  resolvers: ContainerType;
  /**
   * The caller's budget for this request (HTTP only; budget/graphql-budget.ts): told the
   * operation's cost once known, it charges the caller, sets the RateLimit-* headers and
   * keeps what `extensions.cost` and `rateLimit` show. An object of its own, as Apollo hands
   * resolvers a shallow copy of the context.
   */
  budget?: RequestBudget;
  /** Filled when the answer may be kept whole for anonymous callers (cache/public-cache.ts). */
  publicAnswer?: { generation?: string; maxAge?: number };
}

/** The context of one operation (one subscription, for a live connection). */
export function graphqlContext(
  resolvers: ContainerType,
  viewer: Viewer,
  request: { ip: string; headers: IncomingHttpHeaders },
): GraphQLContext {
  return { viewer, address: request.ip, userAgent: request.headers['user-agent'], resolvers };
}

/** The instance of `type` serving this operation (for code type-graphql calls without one, e.g. `subscribe`). */
export function resolverOf<T>(context: unknown, type: abstract new (...args: never[]) => T): T {
  return (context as GraphQLContext).resolvers.get(type, undefined as never) as T;
}

/** One HTTP operation's cost against its caller's budget (budget/graphql-budget.ts). */
export interface RequestBudget {
  /**
   * Told the operation's cost once known; waits for the user's turn when the operation is
   * expensive (budget/fair-share.ts); throws 429 when it does not fit or no turn came.
   */
  charge(cost: number): Promise<void>;
  /** Frees what the operation held (its expensive-operation slot). */
  done(): void;
  /** The operation's cost, once computed. */
  readonly cost: number | undefined;
  /** The caller's budget after this operation (undefined: anonymous, or budgets off). The numbers are budget.ts's BudgetState. */
  readonly state: { limit: number; cost: number; remaining: number; resetAt: number } | undefined;
}

// One GraphQL request's cost against its caller's budget (budget/budget.ts): the limit
// plugin tells it the operation's cost, it charges the caller (or refuses with 429), sets
// the RateLimit-* headers, and keeps the numbers the response shows — `extensions.cost`
// and the `rateLimit` field — so all three say the same thing.
import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Viewer } from '../auth/viewer.js';
import type { RequestBudget } from '../graphql/context.js';
import type { BudgetState } from './budget.js';
import { type Budgets, budgetSubject, budgetUser, rateLimitHeaders, retryAfter } from './budget.js';

/** The contract's 429 as a GraphQL request error (HTTP 429, Retry-After). */
const tooManyRequests = (retryAfterSeconds: number) =>
  new GraphQLError('Too many requests', {
    extensions: {
      code: 'TOO_MANY_REQUESTS',
      // Apollo reads a Map here; another package's typing says a record.
      http: { status: 429, headers: new HeaderMap([['retry-after', String(Math.max(1, retryAfterSeconds))]]) as never },
    },
  });

/** What `extensions.cost` carries (Shopify's names; restoreRate = points given back per window). */
export function costExtension(b: RequestBudget, windowSeconds: number) {
  if (b.cost === undefined) return undefined;
  const s = b.state;
  return {
    requestedQueryCost: b.cost,
    ...(s && {
      maximumAvailable: s.limit,
      currentlyAvailable: s.remaining,
      restoreRate: s.limit,
      windowSeconds,
      resetAt: new Date(s.resetAt).toISOString(),
    }),
  };
}

/** The budget of one request; `setHeaders` puts the RateLimit-* headers on the answer. */
export function requestBudget(
  budgets: Budgets,
  viewer: Viewer,
  setHeaders: (h: Record<string, string>) => void,
): RequestBudget {
  const subject = budgetSubject(viewer);
  const user = budgetUser(viewer);
  let release: (() => void) | undefined;
  let cost: number | undefined;
  let state: BudgetState | undefined;
  const done = () => {
    release?.();
    release = undefined;
  };
  return {
    get cost() {
      return cost;
    },
    get state() {
      return state;
    },
    done,
    async charge(c) {
      cost = c;
      if (subject === undefined || user === undefined) return;
      const points = budgets.graphql.enabled;
      // One that cannot fit is refused before it waits for a turn; a refused one is not charged.
      const left = points ? budgets.graphql.peek(subject) : undefined;
      if (left && c > left.remaining) {
        state = { ...left, allowed: false };
        setHeaders(rateLimitHeaders(left));
        throw tooManyRequests(retryAfter(left.resetAt));
      }
      // An expensive operation waits for its user's turn (so many at once, a share of the time).
      if (c >= budgets.expensiveCost) {
        release = await budgets.expensive.acquire(user);
        if (!release) throw tooManyRequests(1);
      }
      if (!points) return;
      state = budgets.graphql.charge(subject, c);
      setHeaders(rateLimitHeaders(state));
      if (!state.allowed) {
        done();
        throw tooManyRequests(state.retryAfterSeconds);
      }
    },
  };
}

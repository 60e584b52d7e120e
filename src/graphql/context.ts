import type { Viewer } from '../auth/viewer.js';
import type { Services } from '../container.js';

export interface GraphQLContext {
  viewer: Viewer;
  services: Services;
  /** The client's address (after TRUST_PROXY): one anonymous viewer of a public task. */
  address: string;
  /** The client's User-Agent (for the security log). */
  userAgent?: string | undefined;
  /**
   * The caller's budget for this request (HTTP only): `charge` is told the operation's cost
   * once known, sets the RateLimit-* headers and throws 429 when spent or when the caller
   * already runs its share of expensive operations; `done` frees what the operation held.
   * An object of its own, as Apollo hands resolvers a shallow copy of the context.
   */
  budget?: { charge(cost: number): void; done(): void };
}

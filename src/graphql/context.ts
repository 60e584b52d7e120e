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
   * The caller's budget for this request (HTTP only): `charge` is told the operation's cost
   * once known, waits for the user's turn when the operation is expensive, sets the
   * RateLimit-* headers and throws 429 when spent or when no turn came; `done` frees what
   * the operation held.
   * An object of its own, as Apollo hands resolvers a shallow copy of the context.
   */
  budget?: { charge(cost: number): Promise<void>; done(): void };
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

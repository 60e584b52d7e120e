// A live-updates client for tests: a graphql-ws client on a real socket that records what
// arrives (with the time it arrived) and how the socket closed.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface LiveClient {
  events: { data: unknown; at: number }[];
  errors: unknown[];
  closed: Promise<{ code: number; reason: string }>;
  dispose(): Promise<void>;
}

export function subscribe(
  baseUrl: string,
  query: string,
  opts: {
    authorization?: string;
    variables?: Record<string, unknown>;
    viaHeader?: boolean;
    /** The whole connection_init payload, as a client spells it (overrides `authorization`). */
    connectionParams?: Record<string, unknown>;
  } = {},
): LiveClient {
  const url = `${baseUrl.replace(/^http/, 'ws')}/graphql`;
  const events: LiveClient['events'] = [];
  const errors: unknown[] = [];
  let onClosed!: (c: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    onClosed = resolve;
  });
  class AuthorizedSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(
        address,
        protocols,
        opts.viaHeader && opts.authorization ? { headers: { authorization: opts.authorization } } : {},
      );
    }
  }
  const client = createClient({
    url,
    webSocketImpl: AuthorizedSocket,
    lazy: false,
    retryAttempts: 0,
    // The close is recorded below; the library would print it too.
    onNonLazyError: () => {},
    connectionParams:
      opts.connectionParams ??
      (opts.authorization && !opts.viaHeader ? { authorization: opts.authorization } : undefined),
    on: {
      closed: (e) => {
        const ev = e as { code: number; reason: string };
        onClosed({ code: ev.code, reason: String(ev.reason) });
      },
    },
  });
  client.subscribe(
    { query, variables: opts.variables },
    {
      next: (data) => events.push({ data, at: Date.now() }),
      error: (e) => errors.push(e),
      complete: () => {},
    },
  );
  return { events, errors, closed, dispose: () => client.dispose() as Promise<void> };
}

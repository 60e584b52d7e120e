// Who is calling: the configured strategies are asked in order (API key, Clerk session,
// dev user); the first that recognises the credential decides, by answering a viewer or
// throwing the contract's error. A request nobody recognises is anonymous. Adding a way
// to authenticate is adding a strategy (model: graphql-hive's AuthNStrategy).
import type { IncomingHttpHeaders } from 'node:http';
import { ANONYMOUS, type Viewer } from './viewer.js';

/** What a strategy sees of a request. */
export interface Credentials {
  /** The raw Authorization header; undefined when absent or blank. */
  readonly header: string | undefined;
  /** The token of a well-formed `Bearer <token>` header. */
  readonly bearer: string | undefined;
  readonly headers: IncomingHttpHeaders;
  /** The client's address (after TRUST_PROXY), for per-address fairness and limits. */
  readonly address: string;
  readonly method: string;
}

export interface AuthStrategy {
  readonly name: string;
  /** undefined = not mine; else the viewer, or a thrown AppError. */
  authenticate(credentials: Credentials): Promise<Viewer | undefined>;
}

/** What the authenticator reads of a request. */
export interface AuthRequest {
  headers: IncomingHttpHeaders;
  ip: string;
  method?: string;
  /** This caller's anonymous request was already spent (a WebSocket upgrade without credentials). */
  anonymousCounted?: boolean;
}

export type Authenticate = (request: AuthRequest) => Promise<Viewer>;

const BEARER = /^Bearer +([^\s]+) *$/i;

export function credentialsOf({ headers, ip, method }: AuthRequest): Credentials {
  const raw = headers.authorization;
  const header = raw === undefined || raw.trim() === '' ? undefined : raw;
  return {
    header,
    bearer: header === undefined ? undefined : BEARER.exec(header)?.[1],
    headers,
    address: ip,
    method: method ?? 'GET',
  };
}

export function createAuthenticator(strategies: readonly AuthStrategy[]): Authenticate {
  return async function authenticate(request) {
    const credentials = credentialsOf(request);
    for (const strategy of strategies) {
      const viewer = await strategy.authenticate(credentials);
      if (viewer) return viewer;
    }
    return ANONYMOUS;
  };
}

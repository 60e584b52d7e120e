// Subscriptions over multipart HTTP (Apollo's multipart subscription protocol, "subscriptionSpec
// 1.0", as Apollo Router and Apollo Client's HttpLink speak it): POST /graphql with
// `Accept: multipart/mixed;subscriptionSpec=1.0` gets `multipart/mixed;boundary="graphql"`, one
// JSON part per event as `{"payload": {data, errors}}`, `{}` as a heartbeat, and
// `{"payload": null, "errors": [...]}` before the end when the server ends it (credentials
// revoked or expired, shutting down) — the same rules as graphql-ws and SSE: credentials
// needed, the operation limits, a connection counted per user, ended within seconds of revocation.
import type { ServerResponse } from 'node:http';
import { type ExecutionResult, type GraphQLSchema, getOperationAST, parse, subscribe } from 'graphql';
import type { ContainerType } from 'type-graphql';
import type { Viewer } from '../auth/viewer.js';
import { Errors, graphqlEnvelopeOf, isAppError, toAppError } from '../errors.js';
import { graphqlContext } from '../graphql/context.js';
import type { subscriptionPreparer } from '../graphql/operation.js';
import { CLOSE, type LiveConnection, type LiveConnections } from './connections.js';

const BOUNDARY = 'graphql';
const CONTENT_TYPE = `multipart/mixed;boundary="${BOUNDARY}";subscriptionSpec="1.0"`;
const part = (json: unknown) =>
  `\r\n--${BOUNDARY}\r\ncontent-type: application/json; charset=utf-8\r\n\r\n${JSON.stringify(json)}`;
const END = `\r\n--${BOUNDARY}--\r\n`;

/** Does the client accept subscription events over multipart HTTP? */
export const acceptsMultipart = (accept: string | undefined): boolean =>
  !!accept && /multipart\/mixed/i.test(accept) && /subscriptionSpec="?1\.0/i.test(accept);

/**
 * Does this request ask for a subscription over multipart HTTP? A document sent by id only
 * (trusted documents) must have been resolved to its text first (resolveDocumentId).
 */
export function wantsMultipart(accept: string | undefined, body: unknown): boolean {
  if (!acceptsMultipart(accept)) return false;
  const b = body as { query?: unknown; operationName?: unknown } | null;
  if (typeof b?.query !== 'string') return false;
  try {
    const name = typeof b.operationName === 'string' ? b.operationName : undefined;
    return getOperationAST(parse(b.query), name)?.operation === 'subscription';
  } catch {
    return false; // Apollo answers the parse error
  }
}

/** An error as a client may see it (the catalog's message and code). */
function envelope(e: { originalError?: unknown; message: string; extensions?: Record<string, unknown> }) {
  const original = e.originalError ?? e;
  if (isAppError(original)) return graphqlEnvelopeOf(original);
  const code = e.extensions?.code;
  if (typeof code === 'string') return { message: e.message, extensions: { code } };
  return graphqlEnvelopeOf(toAppError(original));
}

const CLOSE_CODES: Record<number, string> = {
  [CLOSE.unauthorized]: 'UNAUTHENTICATED',
  [CLOSE.forbidden]: 'FORBIDDEN',
  [CLOSE.tooMany]: 'TOO_MANY_REQUESTS',
  [CLOSE.goingAway]: 'SERVICE_UNAVAILABLE',
};

export interface MultipartDeps {
  schema: GraphQLSchema;
  resolvers: ContainerType;
  prepare: ReturnType<typeof subscriptionPreparer>;
  connections: LiveConnections;
  keepAliveMs: number;
  draining: () => boolean;
}

type Answer = { status: number; body: unknown } | undefined;

/**
 * Serves one subscription on `raw`; answers `{status, body}` instead when it cannot start
 * (the caller sends that as JSON), or undefined once the stream is open.
 */
export async function serveMultipart(
  deps: MultipartDeps,
  request: { viewer: Viewer; headers: Record<string, unknown>; ip: string; method: string; body: unknown },
  raw: ServerResponse,
  headers: Record<string, unknown>,
): Promise<Answer> {
  const fail = (e: unknown): Answer => {
    const err = toAppError(e);
    return { status: err.status, body: { errors: [graphqlEnvelopeOf(err)] } };
  };
  if (request.viewer.kind === 'anonymous') return fail(Errors.authorizationMissing());
  if (deps.draining()) return fail(Errors.serviceBusy());
  const prepared = deps.prepare(request.body as Record<string, unknown>, request.viewer);
  if (!('document' in prepared)) return { status: 400, body: { errors: prepared.map(envelope) } };
  const contextValue = graphqlContext(deps.resolvers, request.viewer, request as never);
  const result = await subscribe({
    schema: deps.schema,
    document: prepared.document,
    variableValues: prepared.variables,
    operationName: prepared.operationName,
    contextValue,
  });
  if (!(Symbol.asyncIterator in result)) {
    const first = result.errors?.[0]?.originalError;
    return { status: isAppError(first) ? first.status : 400, body: { errors: (result.errors ?? []).map(envelope) } };
  }
  const events = result as AsyncGenerator<ExecutionResult>;
  let ended = false;
  let heartbeat: NodeJS.Timeout | undefined;
  let release: (() => void) | undefined;
  const end = (last?: unknown) => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    release?.();
    void events.return(undefined);
    if (!raw.writableEnded) raw.end(last === undefined ? END : `${part(last)}${END}`);
  };
  const conn: LiveConnection = {
    viewer: request.viewer,
    request: { headers: request.headers as never, ip: request.ip, method: request.method },
    subscriptions: 1,
    close: (code, reason) =>
      end({ payload: null, errors: [{ message: reason, extensions: { code: CLOSE_CODES[code] ?? 'FORBIDDEN' } }] }),
  };
  release = deps.connections.add(conn);
  if (!release) {
    ended = true;
    void events.return(undefined);
    return fail(Errors.tooManyRequests(5));
  }
  raw.writeHead(200, { ...headers, 'content-type': CONTENT_TYPE, 'cache-control': 'no-cache' });
  raw.write(part({}));
  heartbeat = setInterval(() => raw.write(part({})), deps.keepAliveMs);
  heartbeat.unref();
  raw.on('close', () => end());
  void (async () => {
    try {
      for await (const r of events) {
        if (ended) break;
        raw.write(part({ payload: { data: r.data ?? null, ...(r.errors && { errors: r.errors.map(envelope) }) } }));
      }
      end();
    } catch (e) {
      end({ payload: null, errors: [envelope(e as Error)] });
    }
  })();
  return undefined;
}

// One log line per request, when it completes (method, url, status, time) — instead of
// Fastify's two (incoming + completed); nothing at all when the level is above info.
// `detailed` (LOG_FORMAT=pretty, for a person at a terminal) also names the GraphQL
// operation and, for a 4xx, the reason the client was given — work the JSON path skips.
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyRequest {
    /** Why the request was refused (detailed logs only). */
    refusal?: string;
  }
}

/** The operation a GraphQL request names (its operationName, else the document's first name). */
function operationOf(request: FastifyRequest): string | undefined {
  if (!request.url.startsWith('/graphql')) return undefined;
  const body = (request.method === 'GET' ? request.query : request.body) as
    | { operationName?: unknown; query?: unknown }
    | undefined;
  if (typeof body?.operationName === 'string' && body.operationName) return body.operationName;
  if (typeof body?.query !== 'string') return undefined;
  return /^\s*(?:#[^\n]*\n\s*)*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(body.query)?.[1];
}

/** The reason a 4xx answer gives: REST's detail (or first validation message), GraphQL's first error. */
export function refusalOf(payload: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return undefined;
  }
  const b = body as { detail?: unknown; errors?: { message?: unknown; extensions?: { code?: unknown } }[] };
  if (typeof b.detail === 'string') return b.detail;
  if (Array.isArray(b.detail)) {
    const first = b.detail[0] as { loc?: unknown[]; msg?: unknown } | undefined;
    return first ? `${(first.loc ?? []).join('.')}: ${first.msg}` : undefined;
  }
  const e = b.errors?.[0];
  if (e) return [e.extensions?.code, e.message].filter((x) => typeof x === 'string').join(' ');
  return undefined;
}

export default fp<{ detailed?: boolean }>(
  async (app, { detailed = false }) => {
    // pino's numeric level: info is 30, silent is Infinity.
    const levelVal = (app.log as unknown as { levelVal?: number }).levelVal ?? 30;
    if (levelVal > 30) return;
    if (detailed) {
      app.addHook('onSend', async (request, reply, payload) => {
        if (reply.statusCode >= 400 && reply.statusCode < 500 && typeof payload === 'string') {
          request.refusal = refusalOf(payload);
        }
        return payload;
      });
    }
    app.addHook('onResponse', (request, reply, done) => {
      // A caller's x-request-id that was not taken is still worth seeing, apart (and cut short).
      const sent = request.headers['x-request-id'];
      const callerId = sent === undefined || sent === request.id ? undefined : String(sent).slice(0, 200);
      request.log.info(
        {
          method: request.method,
          url: request.url,
          statusCode: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
          ...(callerId !== undefined && { callerRequestId: callerId }),
          ...(detailed && { op: operationOf(request), reason: request.refusal }),
        },
        'request completed',
      );
      done();
    });
  },
  { name: 'torale-access-log' },
);

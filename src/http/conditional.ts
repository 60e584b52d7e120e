// Conditional GETs for what anyone may read (issue 27): an `ETag` that is the digest of the
// answer, `Cache-Control: public, no-cache` (anyone may keep it, but must ask again: the answer
// changes whenever a public task, one of its runs or a template does), and 304 Not Modified
// when the client's `If-None-Match` names the answer it already has. A route that marked its
// answer otherwise (the owner's view of their task: `private, no-store`) is left alone.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/** The public GET routes (as registered, parameters included). */
export const PUBLIC_GETS: ReadonlySet<string> = new Set([
  '/api/v1/public/tasks',
  '/api/v1/public/tasks/id/:task_id',
  '/api/v1/public/feed',
  '/tasks/:task_id/rss',
  '/api/v1/templates',
  '/api/v1/templates/:template_id',
]);

export const PUBLIC_CACHE_CONTROL = 'public, no-cache';

/** True when `header` (If-None-Match) names `etag`, weakly compared as RFC 9110 says for GETs. */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => bare(t) === bare(etag));
}

export function etagOf(body: string | Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

export function conditionalPublicGets(app: FastifyInstance, routes: ReadonlySet<string> = PUBLIC_GETS): void {
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return payload;
    if (reply.statusCode !== 200 || !routes.has(req.routeOptions.url ?? '')) return payload;
    if (reply.hasHeader('cache-control')) return payload;
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    const etag = etagOf(payload);
    void reply.header('etag', etag).header('cache-control', PUBLIC_CACHE_CONTROL);
    if (!matchesEtag(req.headers['if-none-match'], etag)) return payload;
    void reply.code(304).removeHeader('content-length').removeHeader('content-type');
    return '';
  });
}

// `/`: where to go from here — the playground, the REST docs, health — as a small page for
// a browser and as JSON for anything else. No credentials needed; nothing about the caller.
import fp from 'fastify-plugin';

const LINKS = {
  playground: '/graphql',
  rest_docs: '/docs',
  openapi: '/docs/json',
  liveness: '/healthz',
  readiness: '/readyz',
  metrics: '/metrics',
} as const;

export default fp<{ devTools: boolean }>(
  async (app, { devTools }) => {
    const links: Record<string, string> = { ...LINKS, ...(devTools && { dev_webhook_inbox: '/dev/webhook-inbox' }) };
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Torale Gateway</title></head><body><h1>Torale Gateway</h1><ul>${Object.entries(
      links,
    )
      .map(([name, href]) => `<li><a href="${href}">${name.replaceAll('_', ' ')}</a> <code>${href}</code></li>`)
      .join('')}</ul></body></html>`;
    app.get('/', { config: { auth: false }, schema: { hide: true } }, async (request, reply) => {
      if ((request.headers.accept ?? '').includes('text/html')) return reply.type('text/html').send(html);
      return { name: 'Torale Gateway', links };
    });
  },
  { name: 'torale-home' },
);

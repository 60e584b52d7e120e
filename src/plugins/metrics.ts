// /metrics in Prometheus text, and the per-route request counter and latency histogram.
import fp from 'fastify-plugin';
import type { Metrics } from '../metrics.js';

export default fp<{ metrics: Metrics }>(
  async (app, { metrics }) => {
    app.addHook('onResponse', async (request, reply) => {
      metrics.request(
        request.routeOptions.url ?? 'unmatched',
        request.method,
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
    });
    app.get('/metrics', { config: { auth: false }, schema: { hide: true } as object }, async (_req, reply) => {
      void reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  },
  { name: 'torale-metrics' },
);

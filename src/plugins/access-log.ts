// One log line per request, when it completes (method, url, status, time) — instead of
// Fastify's two (incoming + completed); nothing at all when the level is above info.
import fp from 'fastify-plugin';

export default fp(
  async (app) => {
    // pino's levelVal: info is 30; silent is Infinity.
    if ((app.log as { levelVal?: number }).levelVal !== undefined && (app.log as { levelVal: number }).levelVal > 30)
      return;
    app.addHook('onResponse', (request, reply, done) => {
      request.log.info(
        { method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) },
        'request completed',
      );
      done();
    });
  },
  { name: 'torale-access-log' },
);

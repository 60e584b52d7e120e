// One log line per request, when it completes (method, url, status, time) — instead of
// Fastify's two (incoming + completed); nothing at all when the level is above info.
import fp from 'fastify-plugin';

export default fp(
  async (app) => {
    // pino's numeric level: info is 30, silent is Infinity.
    const levelVal = (app.log as unknown as { levelVal?: number }).levelVal ?? 30;
    if (levelVal > 30) return;
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
        },
        'request completed',
      );
      done();
    });
  },
  { name: 'torale-access-log' },
);

// With tracing on: every response names its trace in `x-trace-id`, so a client reporting a
// failure (REST bodies stay the contract's `{"detail"}`) gives the id to look up.
import fp from 'fastify-plugin';
import type { TraceIds } from '../telemetry.js';

export default fp<{ traceIds: () => TraceIds | undefined }>(
  async (app, { traceIds }) => {
    app.addHook('onRequest', (_request, reply, done) => {
      const ids = traceIds();
      if (ids) void reply.header('x-trace-id', ids.traceId);
      done();
    });
  },
  { name: 'torale-tracing' },
);

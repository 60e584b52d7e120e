// The job engine on this instance: once the app is ready it sets up the queues and, unless
// TORALE_RUNNER=0, starts the workers, schedules and loops the features registered, in the
// background (never inside a start-up timeout: whatever backlog the database holds is
// worked off in batches after the instance is serving); it stops when the app closes.
import fp from 'fastify-plugin';
import type { Container } from '../container.js';

export default fp<{ container: Container }>(
  async (app, { container }) => {
    const { engine, logger, config } = container;
    if (engine.working && !config.engine.agentUrl) {
      logger.warn('TORALE_AGENT_URL is not set: executions will fail at once with a clear error');
    }
    app.addHook('onReady', async () => {
      await engine.start();
    });
    app.addHook('onClose', async () => {
      await engine.stop();
    });
  },
  { name: 'torale-jobs' },
);

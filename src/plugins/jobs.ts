// The job engine on this instance: once the app is ready, the dispatcher and the workers
// start in the background (never inside a start-up timeout: whatever backlog the database
// holds is worked off in batches after the instance is serving); they stop when it closes.
import fp from 'fastify-plugin';
import type { Container } from '../container.js';

export default fp<{ container: Container }>(
  async (app, { container }) => {
    const { jobs, runner, logger, config } = container;
    if (!jobs) return;
    if (runner) {
      if (!config.engine.agentUrl)
        logger.warn('TORALE_AGENT_URL is not set: executions will fail at once with a clear error');
      app.addHook('onReady', async () => {
        await runner.start();
      });
    }
    app.addHook('onClose', async () => {
      await runner?.stop();
      await jobs.stop();
    });
  },
  { name: 'torale-jobs' },
);

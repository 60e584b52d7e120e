// The job engine's workers on this instance: they start once the app is ready (schedules,
// executions, webhook deliveries, the periodic reconcile) and stop when it closes.
import fp from 'fastify-plugin';
import type { Logger } from '../lib/logger.js';
import type { JobEngine } from '../runs/engine.js';
import type { Runner } from '../runs/runner.js';

export default fp<{
  jobs: JobEngine | undefined;
  runner: Runner | undefined;
  agentConfigured: boolean;
  logger: Logger;
}>(
  async (app, { jobs, runner, agentConfigured, logger }) => {
    if (!jobs) return;
    if (runner) {
      if (!agentConfigured) logger.warn('TORALE_AGENT_URL is not set: executions will fail at once with a clear error');
      app.addHook('onReady', async () => {
        await jobs.work({
          schedule: (taskId) => runner.schedule(taskId),
          execution: (executionId) => runner.execute(executionId),
          delivery: (deliveryId) => runner.deliver(deliveryId),
          reconcile: async () => {
            await runner.reconcile();
          },
          cleanup: async () => {
            await runner.cleanup();
          },
        });
        await runner.reconcile();
      });
    }
    app.addHook('onClose', async () => {
      await jobs.stop();
    });
  },
  { name: 'torale-jobs' },
);

// The background side of webhook delivery, registered with the job engine at composition
// time: the queue of attempts (worked by webhook-attempts.ts), and the listener that turns
// a run that met its condition into a delivery, recorded and queued in the run's own
// transaction.
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.js';
import { DELIVERY_JOB_EXPIRE_SECONDS } from '../config/settings.js';
import type { DB, Db, ExecutionRow, TaskRow } from '../db/types.js';
import type { JobEngine } from '../engine/job-engine.js';
import type { Logger } from '../lib/logger.js';
import type { Emails } from '../notifications/emails.js';
import type { RunListener } from '../runs/run-listener.js';
import type { SecurityLog } from '../security/security-log.js';
import { insertWebhookDelivery } from './deliveries.repository.js';
import { createWebhookAttempts, type DeliveryJob, type WebhookAttemptsOptions } from './webhook-attempts.js';
import { conditionMetEvent } from './webhook-events.js';
import { webhookOf } from './webhook-targets.js';

export interface WebhookDeliveriesDeps {
  db: Kysely<DB>;
  engine: JobEngine;
  logger: Logger;
  securityLog: SecurityLog;
  emails: Pick<Emails, 'webhookDisabled'>;
  /** deliveryConcurrency: attempts in flight at once on this instance; retryDelaySeconds: before
   * a job whose handler failed runs again (the engine backs off from there). */
  opts: WebhookAttemptsOptions &
    Pick<Config['webhooks'], 'deliveryConcurrency'> &
    Pick<Config['engine'], 'retryDelaySeconds'>;
}

export type WebhookDeliveries = ReturnType<typeof registerWebhookDeliveries>;

export function registerWebhookDeliveries({ db, engine, logger, securityLog, emails, opts }: WebhookDeliveriesDeps) {
  const queue = engine.queue<DeliveryJob>({
    name: 'webhook-delivery',
    label: 'delivery',
    concurrency: opts.deliveryConcurrency,
    // Retries of a job whose handler failed (e.g. the database was away); the retry
    // schedule of a failing target is the attempts' own (a new job per attempt).
    retryLimit: 5,
    retryDelaySeconds: opts.retryDelaySeconds,
    // Longer than an attempt can take (WEBHOOK_TIMEOUT_MS is at most half of it).
    expireInSeconds: DELIVERY_JOB_EXPIRE_SECONDS,
    handler: async (job) => {
      await attempts.run(job);
    },
  });
  const attempts = createWebhookAttempts({
    db,
    queue: engine.keepsJobs ? queue : undefined,
    logger,
    opts,
    securityLog,
    emails,
  });

  return {
    /** Makes one attempt now (a job's, or a test ping's); whether one was made. */
    deliver: attempts.run,
    stats: attempts.stats,
    /** Queues a new attempt of a delivery (a replay), in the caller's transaction. */
    queue,

    /** A run that met its condition: one delivery to the task's webhook, queued with the outcome. */
    runListener: {
      wants: ({ notifications, conditionMet }) => conditionMet && webhookOf(notifications) !== undefined,
      record: (trx, { task, execution }) => conditionMet(trx, task, execution),
    } satisfies RunListener,
  };

  async function conditionMet(trx: Db, task: TaskRow, execution: ExecutionRow): Promise<void> {
    const hook = webhookOf(task.notifications);
    if (!hook) return;
    const event = conditionMetEvent(task, execution);
    const deliveryId = await insertWebhookDelivery(trx, {
      taskId: task.id,
      executionId: execution.id,
      url: hook.url,
      payload: event,
    });
    // Its job's id is the delivery's: the first attempt, at once.
    await queue.add(trx, { deliveryId, attempt: 1, kind: 'scheduled' }, { id: deliveryId });
  }
}

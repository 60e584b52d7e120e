// One webhook attempt per job. Attempt n of a delivery is claimed by one conditional UPDATE
// (attempts n-1 → n), so however many jobs and instances try, it is made once; its outcome
// is recorded, and a failure queues attempt n+1 after the retry schedule's next delay (a
// job whose id follows from the delivery and n, so it is queued once). Every attempt carries
// the delivery id as `webhook-id`. A 410 Gone, or failing for too long, disables the webhook.
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.js';
import type { DB, Notification, WebhookDisabledReason, WebhookNotification } from '../db/types.js';
import type { Logger } from '../lib/logger.js';
import {
  claimAttempt,
  clearWebhookFailing,
  endDelivery,
  findDeliveryForAttempt,
  insertDeliveryAttempt,
  noteWebhookFailure,
  setNextAttempt,
} from './deliveries.repository.js';
import type { AttemptKind, DeliveryJob, DeliveryQueue, OnWebhookDisabled } from './delivery-job.js';
import { sendWebhook } from './webhook-sender.js';

/**
 * heldRecheckSeconds: a delivery held for a disabled owner is looked at again this much later.
 * deliveryPerUser: attempts one user may have in flight at once on this instance (a bounded
 * part of the delivery slots); a queued attempt over it goes back to the queue for a moment,
 * so one user's slow targets cannot hold every slot while others wait. 0 = no bound.
 */
export type WebhookAttemptsOptions = Pick<
  Config['webhooks'],
  'allowInsecureTargets' | 'timeoutMs' | 'retryScheduleSeconds' | 'disableAfterHours'
> &
  Pick<Config['engine'], 'heldRecheckSeconds'> &
  Partial<Pick<Config['webhooks'], 'deliveryPerUser'>>;

/** How long an attempt over its user's share waits before it is fetched again. */
const FAIR_SHARE_RETRY_MS = 1000;

export interface WebhookAttemptsDeps {
  db: Kysely<DB>;
  /** Where later attempts are queued; none (no job engine) = no retries. */
  queue: DeliveryQueue | undefined;
  logger: Logger;
  opts: WebhookAttemptsOptions;
  stats: { webhookAttempts: number; fairShareDeferrals?: number };
  /** Told when the gateway disables a webhook (the owner's security log, an email to the owner). */
  onWebhookDisabled?: OnWebhookDisabled;
}

export type WebhookAttempts = ReturnType<typeof createWebhookAttempts>;

/** Longer than any attempt can take (WEBHOOK_TIMEOUT_MS is at most 30 s): a claim this old is dead. */
const STALE_CLAIM_SECONDS = 90;

const webhookOf = (ns: readonly Notification[]) => ns.find((n): n is WebhookNotification => n.type === 'webhook');

export function createWebhookAttempts({ db, queue, logger, opts, stats, onWebhookDisabled }: WebhookAttemptsDeps) {
  const inFlight = new Map<string, number>();
  const share = opts.deliveryPerUser ?? 0;
  async function disabled(
    d: { task_id: string; user_id: string; target: string },
    reason: WebhookDisabledReason,
    at: Date,
  ): Promise<void> {
    logger.warn({ taskId: d.task_id, reason }, 'webhook disabled');
    try {
      await onWebhookDisabled?.({ userId: d.user_id, taskId: d.task_id, url: d.target, reason, at });
    } catch (err) {
      logger.warn({ err: { message: (err as Error).message }, taskId: d.task_id }, 'webhook-disabled hook failed');
    }
  }

  /**
   * Makes the job's attempt if it is still due; whether an attempt was made. `direct` = asked
   * for by a request that waits for it (a test ping, already limited per user), not queued.
   */
  async function run(job: DeliveryJob, direct = false): Promise<boolean> {
    const d = await findDeliveryForAttempt(db, job.deliveryId);
    if (d?.status !== 'pending') return false;
    const n = job.attempt ?? d.attempts + 1;
    const kind: AttemptKind = job.kind ?? 'scheduled';
    if (kind === 'scheduled' && !d.owner_active) {
      // Held, not attempted: it goes out once the owner is enabled again.
      const startAfter = new Date(Date.now() + opts.heldRecheckSeconds * 1000);
      await queue?.enqueueWebhookAttempt(db, { deliveryId: d.id, attempt: n, kind }, { startAfter, key: null });
      return false;
    }
    if (kind === 'scheduled' && d.webhook_disabled_at) {
      await endDelivery(db, d.id, false, 'Webhook disabled');
      return false;
    }
    const hook = webhookOf(d.notifications);
    if (!hook || hook.url !== d.target) {
      // The webhook moved (or went): its secret now is not the old target's to receive.
      await endDelivery(db, d.id, false, 'Webhook target changed');
      return false;
    }
    const held = inFlight.get(d.user_id) ?? 0;
    if (!direct && share > 0 && held >= share && queue) {
      const startAfter = new Date(Date.now() + FAIR_SHARE_RETRY_MS);
      await queue.enqueueWebhookAttempt(db, { deliveryId: d.id, attempt: n, kind }, { startAfter, key: null });
      stats.fairShareDeferrals = (stats.fairShareDeferrals ?? 0) + 1;
      return false;
    }
    inFlight.set(d.user_id, held + 1);
    try {
      return await attempt(d, n, kind, hook);
    } finally {
      const left = (inFlight.get(d.user_id) ?? 1) - 1;
      if (left > 0) inFlight.set(d.user_id, left);
      else inFlight.delete(d.user_id);
    }
  }

  async function attempt(
    d: NonNullable<Awaited<ReturnType<typeof findDeliveryForAttempt>>>,
    n: number,
    kind: AttemptKind,
    hook: WebhookNotification,
  ): Promise<boolean> {
    if (!(await claimAttempt(db, d.id, n, STALE_CLAIM_SECONDS))) return false;
    stats.webhookAttempts++;
    const attempt = await sendWebhook({
      url: d.target,
      method: hook.method ?? 'POST',
      headers: hook.headers,
      body: JSON.stringify(d.payload),
      secrets: [d.webhook_secret, d.previous_secret].filter((s): s is string => !!s),
      deliveryId: d.id,
      event: d.event,
      allowInsecureTargets: opts.allowInsecureTargets,
      timeoutMs: opts.timeoutMs,
    });
    await insertDeliveryAttempt(db, { deliveryId: d.id, attempt: n, ...attempt });
    // A 2xx whose body never finished (cut off at the deadline) is not a delivery.
    const code = attempt.statusCode;
    if (attempt.error === null && code !== null && code >= 200 && code < 300) {
      await endDelivery(db, d.id, true, null);
      await clearWebhookFailing(db, d.task_id);
      return true;
    }
    const gone = code === 410;
    const delay = opts.retryScheduleSeconds[n];
    if (kind === 'scheduled' && queue && !attempt.permanent && !gone && delay !== undefined) {
      const startAfter = new Date(Date.now() + delay * 1000);
      await db.transaction().execute(async (trx) => {
        await setNextAttempt(trx, d.id, startAfter);
        const next = { deliveryId: d.id, attempt: n + 1, kind };
        await queue.enqueueWebhookAttempt(trx, next, { startAfter, key: `${d.id}:${n + 1}` });
      });
    } else {
      await endDelivery(db, d.id, false, attempt.error ?? `HTTP ${code}`);
    }
    const off = await noteWebhookFailure(db, d.task_id, gone, opts.disableAfterHours);
    if (off) await disabled(d, off.reason, off.at);
    return true;
  }

  return { run };
}

// One webhook attempt per job. Attempt n of a delivery is claimed by one conditional UPDATE
// (attempts n-1 → n), so however many jobs and instances try, it is made once; its outcome
// is recorded, and a failure queues attempt n+1 after the retry schedule's next delay (a
// job whose id follows from the delivery and n, so it is queued once). Every attempt carries
// the delivery id as `webhook-id`. A 410 Gone, or failing for too long, disables the webhook:
// the owner's security log and an email notice say so. Each user holds at most a share of
// this instance's delivery slots, so one user's slow targets cannot hold them all.
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.js';
import type { DB, WebhookDisabledReason, WebhookNotification } from '../db/types.js';
import type { JobQueue } from '../engine/job-engine.js';
import type { Logger } from '../lib/logger.js';
import type { Emails } from '../notifications/emails.js';
import type { SecurityLog } from '../security/security-log.js';
import {
  claimAttempt,
  endDelivery,
  findDeliveryForAttempt,
  insertDeliveryAttempt,
  setNextAttempt,
} from './deliveries.repository.js';
import { clearWebhookFailing, noteWebhookFailure } from './task-webhooks.repository.js';
import { failureOf, isDelivered, sendWebhook } from './webhook-sender.js';
import { webhookOf } from './webhook-targets.js';

/**
 * `scheduled` attempts follow the retry schedule (a failure queues the next one); a `final`
 * attempt (a replay of a delivery that had ended, a test ping) is one attempt and no more.
 */
export type AttemptKind = 'scheduled' | 'final';

/** What a delivery job carries (jobs of earlier releases carry the same). */
export interface DeliveryJob {
  deliveryId: string;
  /** The attempt number this job makes (absent in jobs of earlier releases: the next one). */
  attempt?: number;
  kind?: AttemptKind;
}

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
  /** Where later attempts are queued; none (no engine keeps jobs) = no retries. */
  queue: JobQueue<DeliveryJob> | undefined;
  logger: Logger;
  opts: WebhookAttemptsOptions;
  securityLog: SecurityLog;
  emails: Pick<Emails, 'webhookDisabled'>;
}

/** Longer than any attempt can take (WEBHOOK_TIMEOUT_MS is at most 30 s): a claim this old is dead. */
const STALE_CLAIM_SECONDS = 90;

export function createWebhookAttempts({ db, queue, logger, opts, securityLog, emails }: WebhookAttemptsDeps) {
  const stats = { attempts: 0, fairShareDeferrals: 0 };
  const inFlight = new Map<string, number>();
  const share = opts.deliveryPerUser ?? 0;

  async function disabled(
    d: { task_id: string; user_id: string; target: string },
    reason: WebhookDisabledReason,
  ): Promise<void> {
    logger.warn({ taskId: d.task_id, reason }, 'webhook disabled');
    await securityLog.record({
      userId: d.user_id,
      type: 'webhook.disabled',
      detail: `${reason}: task ${d.task_id}, ${d.target}`,
    });
    try {
      await emails.webhookDisabled({ taskId: d.task_id, url: d.target, reason, afterHours: opts.disableAfterHours });
    } catch (err) {
      // The webhook is off either way; the owner's log already says so.
      logger.warn({ err: { message: (err as Error).message }, taskId: d.task_id }, 'webhook-disabled email failed');
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
      await queue?.add(db, { deliveryId: d.id, attempt: n, kind }, { startAfter });
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
      await queue.add(db, { deliveryId: d.id, attempt: n, kind }, { startAfter });
      stats.fairShareDeferrals++;
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
    stats.attempts++;
    // Deliveries recorded before the envelope took Torale's shape carry their own id as `id`.
    const event = d.payload as { id?: unknown; event_type?: unknown };
    const sent = await sendWebhook({
      url: d.target,
      method: hook.method ?? 'POST',
      headers: hook.headers,
      body: JSON.stringify(d.payload),
      secrets: [d.webhook_secret, d.previous_secret].filter((s): s is string => !!s),
      deliveryId: d.id,
      eventId: typeof event.id === 'string' ? event.id : d.id,
      event: typeof event.event_type === 'string' ? event.event_type : d.event,
      allowInsecureTargets: opts.allowInsecureTargets,
      timeoutMs: opts.timeoutMs,
    });
    await insertDeliveryAttempt(db, { deliveryId: d.id, attempt: n, ...sent });
    if (isDelivered(sent)) {
      await endDelivery(db, d.id, true, null);
      await clearWebhookFailing(db, d.task_id);
      return true;
    }
    const gone = sent.statusCode === 410;
    const delay = opts.retryScheduleSeconds[n];
    if (kind === 'scheduled' && queue && !sent.permanent && !gone && delay !== undefined) {
      const startAfter = new Date(Date.now() + delay * 1000);
      await db.transaction().execute(async (trx) => {
        await setNextAttempt(trx, d.id, startAfter);
        const next = { deliveryId: d.id, attempt: n + 1, kind };
        await queue.add(trx, next, { startAfter, key: `${d.id}:${n + 1}` });
      });
    } else {
      await endDelivery(db, d.id, false, failureOf(sent));
    }
    const off = await noteWebhookFailure(db, d.task_id, gone, opts.disableAfterHours);
    if (off) await disabled(d, off.reason);
    return true;
  }

  return { run, stats };
}

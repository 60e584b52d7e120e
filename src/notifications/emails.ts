// Every email the gateway sends, from being recorded to its last attempt. An email is a row
// of email_sends written in the transaction of what caused it (a run's outcome, a code
// request), with its message rendered once; without a mailer it is recorded as skipped, and
// over Torale's spam limits as refused. Each attempt is a job of the engine's email queue:
// attempt n is claimed by one conditional UPDATE, so however many jobs and instances try, it
// is made once, and a failure queues attempt n+1 after the retry schedule's next delay
// (a job whose id follows from the send and n, so it is queued once).
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB, Db, EmailKind, Notification, TaskRow } from '../db/types.js';
import type { JobQueue } from '../engine/job-engine.js';
import type { Logger } from '../lib/logger.js';
import { groundingSourcesOf } from '../tasks/grounding-sources.js';
import { findTask } from '../tasks/tasks.repository.js';
import {
  conditionMetEmail,
  type Links,
  type RenderedEmail,
  webhookDisabledEmail,
  welcomeEmail,
} from './email-content.js';
import {
  claimEmailAttempt,
  endUnsent,
  findSendForAttempt,
  insertEmailSend,
  lockSpamCounts,
  recentSendCounts,
  recordDelivered,
  recordFailure,
} from './email-sends.repository.js';
import { verifiedEmailsOf } from './email-verification.repository.js';
import type { Mailer } from './mailer.js';

export const EMAIL_SKIPPED = 'No email provider is configured; email notifications are recorded but not sent';
/** Torale's spam limits (notifications/email.py) and its words for them. */
export const SPAM_LIMITS = { perUserPerDay: 100, perRecipientPerHour: 10 } as const;
export const DAILY_LIMIT_REACHED = 'Daily notification limit reached (100/day)';
export const hourlyLimitReached = (to: string) => `Too many notifications to ${to} (max 10/hour)`;
export const CODE_UNUSABLE = 'Not sent: the code was used, replaced or expired before it could be sent';

export interface EmailJob {
  sendId: string;
  attempt: number;
}

export interface EmailsDeps {
  db: Kysely<DB>;
  mailer: Mailer | undefined;
  /** Where attempts are queued (emails.jobs.ts); none (no engine keeps jobs) = sent at once, one attempt. */
  queue: JobQueue<EmailJob> | undefined;
  logger: Logger;
  links: Links;
  /** EMAIL_FROM: its domain names the Message-IDs. */
  from: string;
  /** Delay before each attempt, in seconds; its length is the number of attempts. */
  scheduleSeconds: readonly number[];
  /** A send held for a disabled owner is looked at again this much later. */
  heldRecheckSeconds: number;
}

export type Emails = ReturnType<typeof createEmails>;

/** Longer than any attempt can take (EMAIL_TIMEOUT_MS is at most 45 s): a claim this old is dead. */
const STALE_CLAIM_SECONDS = 120;

const sameAddress = (a: string | null | undefined, b: string) =>
  !!a && a.trim().toLowerCase() === b.trim().toLowerCase();

/** Does this task email anyone? With no notifications at all, its owner (Torale's implicit channel). */
export const emailsOwner = (ns: readonly Notification[]) => ns.length === 0 || ns.some((n) => n.type === 'email');

/**
 * Who gets a task's email, as Torale decides: its email notification's address when that
 * address is the account's or verified by a code, else the account email.
 */
export function recipientOf(ns: readonly Notification[], owner: { email: string | null; verified: string[] }) {
  const wanted = ns.find((n) => n.type === 'email')?.address;
  if (wanted && (sameAddress(owner.email, wanted) || owner.verified.some((v) => sameAddress(v, wanted)))) return wanted;
  return owner.email ?? undefined;
}

export function createEmails(deps: EmailsDeps) {
  const { db, mailer, queue, logger, links, scheduleSeconds } = deps;
  const domain = /@([^>\s]+)>?\s*$/.exec(deps.from)?.[1] ?? 'torale-gateway';

  /**
   * Records one email in `trx`; queues its first attempt when it is to go out. Returns its id
   * when it is to go out and there is no queue (the caller sends it once `trx` commits).
   */
  async function record(
    trx: Db,
    e: {
      userId: string;
      taskId: string | null;
      executionId: string | null;
      verificationId?: string;
      kind: EmailKind;
      to: string;
      rendered: RenderedEmail;
    },
  ): Promise<string | undefined> {
    const id = randomUUID();
    const { subject, ...message } = e.rendered;
    let status: 'pending' | 'skipped' | 'refused' = mailer ? 'pending' : 'skipped';
    let reason: string | null = mailer ? null : EMAIL_SKIPPED;
    if (mailer && e.kind !== 'verification') {
      await lockSpamCounts(trx, e.userId, e.to);
      const counts = await recentSendCounts(trx, e.userId, e.to);
      if (counts.userDay >= SPAM_LIMITS.perUserPerDay) reason = DAILY_LIMIT_REACHED;
      else if (counts.recipientHour >= SPAM_LIMITS.perRecipientPerHour) reason = hourlyLimitReached(e.to);
      if (reason) {
        status = 'refused';
        logger.warn({ userId: e.userId, taskId: e.taskId, kind: e.kind, reason }, 'email refused by the spam limits');
      }
    }
    await insertEmailSend(trx, {
      id,
      userId: e.userId,
      taskId: e.taskId,
      executionId: e.executionId,
      verificationId: e.verificationId ?? null,
      kind: e.kind,
      recipient: e.to,
      subject,
      message: status === 'pending' ? message : null,
      messageId: `<${id}@${domain}>`,
      status,
      reason,
    });
    if (status !== 'pending') return undefined;
    if (!queue) return id;
    await queue.add(trx, { sendId: id, attempt: 1 }, { key: `email:${id}` });
    return undefined;
  }

  /** Makes the job's attempt if it is still due; whether an attempt was made. */
  async function attempt(job: EmailJob): Promise<boolean> {
    const s = await findSendForAttempt(db, job.sendId);
    if (s?.status !== 'pending' || !mailer) return false;
    const n = job.attempt;
    if (s.kind === 'verification' && !s.code_usable) {
      await endUnsent(db, s.id, CODE_UNUSABLE);
      return false;
    }
    if (!s.owner_active && s.kind !== 'verification') {
      // Held, not attempted: it goes out once the owner is enabled again.
      const startAfter = new Date(Date.now() + deps.heldRecheckSeconds * 1000);
      await queue?.add(db, job, { startAfter, key: `email:${s.id}:${n}:held:${startAfter.getTime()}` });
      return false;
    }
    if (!s.message || !(await claimEmailAttempt(db, s.id, n, STALE_CLAIM_SECONDS))) return false;
    const outcome = await mailer.send({ to: s.recipient, subject: s.subject, messageId: s.message_id, ...s.message });
    if (outcome.ok) {
      await recordDelivered(db, s.id, outcome.responseCode);
      return true;
    }
    const delay = scheduleSeconds[n];
    const retryAt = queue && delay !== undefined ? new Date(Date.now() + delay * 1000) : null;
    const error = outcome.error ?? 'Send failed';
    logger.warn({ sendId: s.id, attempt: n, code: outcome.responseCode, error, retryAt }, 'email attempt failed');
    if (retryAt && queue) {
      await db.transaction().execute(async (trx) => {
        await recordFailure(trx, s.id, { responseCode: outcome.responseCode, error, retryAt });
        await queue.add(trx, { sendId: s.id, attempt: n + 1 }, { startAfter: retryAt, key: `email:${s.id}:${n + 1}` });
      });
    } else {
      await recordFailure(db, s.id, { responseCode: outcome.responseCode, error, retryAt: null });
    }
    return true;
  }

  /** Sends what `record` returned, after its transaction committed (no queue: one attempt each). */
  async function sendNow(ids: readonly (string | undefined)[]): Promise<void> {
    for (const id of ids) if (id) await attempt({ sendId: id, attempt: 1 });
  }

  /**
   * The emails of a successful run, in its transaction: the first successful run of a task
   * that emails sends Torale's welcome (its first answer, whether the condition is met, the
   * next check); a later run that met the condition sends the condition-met email.
   */
  async function afterRun(
    trx: Db,
    run: {
      task: TaskRow;
      executionId: string;
      result: RunResult;
      conditionMet: boolean;
      /** No successful run of the task came before this one. */
      firstRun: boolean;
      sources: unknown;
    },
  ): Promise<void> {
    const { task } = run;
    const first = run.firstRun;
    if (!emailsOwner(task.notifications) || (!first && !run.conditionMet)) return;
    const owner = await verifiedEmailsOf(trx, task.user_id);
    // Torale welcomes the account address; condition-met emails go where the task says.
    const to = first ? owner.email : recipientOf(task.notifications, owner);
    if (!to) return;
    const input = {
      taskId: task.id,
      taskName: task.name,
      searchQuery: task.search_query,
      answer: (run.conditionMet ? run.result.notification : null) ?? run.result.evidence ?? '',
      sources: groundingSourcesOf(run.sources),
      nextRun: run.result.next_run ?? null,
      confidence: run.result.confidence,
    };
    await record(trx, {
      userId: task.user_id,
      taskId: task.id,
      executionId: run.executionId,
      kind: first ? 'welcome' : 'condition_met',
      to,
      rendered: first
        ? welcomeEmail({ ...input, conditionMet: run.conditionMet }, links)
        : conditionMetEmail(input, links),
    });
  }

  /** Tells the owner that the gateway turned a task's webhook off. */
  async function webhookDisabled(e: {
    taskId: string;
    url: string;
    reason: 'gone' | 'failing';
    afterHours: number;
  }): Promise<void> {
    const why =
      e.reason === 'gone'
        ? 'The endpoint answered 410 Gone.'
        : `Every delivery attempt failed for ${e.afterHours} hours.`;
    const detail = `${why} Deliveries to ${e.url} are stopped until you save the webhook again.`;
    const task = await findTask(db, e.taskId);
    if (!task) return;
    const owner = await verifiedEmailsOf(db, task.user_id);
    const to = recipientOf(task.notifications, owner);
    if (!to) return;
    const rendered = webhookDisabledEmail({ taskId: task.id, taskName: task.name, url: e.url, detail }, links);
    const id = await db.transaction().execute((trx) =>
      record(trx, {
        userId: task.user_id,
        taskId: task.id,
        executionId: null,
        kind: 'webhook_disabled',
        to,
        rendered,
      }),
    );
    await sendNow([id]);
  }

  return { enabled: mailer !== undefined, record, attempt, sendNow, afterRun, webhookDisabled };
}

/** What a run's stored result holds that its emails show. */
export interface RunResult {
  evidence?: string | null;
  notification?: string | null;
  next_run?: string | null;
  confidence?: unknown;
}

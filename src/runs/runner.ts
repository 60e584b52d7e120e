// What the job engine's workers do: turn due schedules into executions, run executions
// against the agent, deliver webhooks, and re-create missing schedules. An execution is
// claimed with a fresh run token and its outcome commits only while that token still
// holds, so a cancelled or superseded run cannot overwrite anything.
import { randomUUID } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB, Notification, TaskRow, WebhookNotification } from '../db/types.js';
import type { Logger } from '../lib/logger.js';
import { toExecutionJson, toTaskJson } from '../tasks/tasks.types.js';
import { type AgentAnswer, type AgentClient, AgentError } from './agent.js';
import type { JobEngine } from './engine.js';
import { sendWebhook } from './webhook-sender.js';

export interface RunnerOptions {
  defaultIntervalSeconds: number;
  maxAttempts: number;
  allowInsecureTargets: boolean;
  webhookTimeoutMs: number;
  webhookMaxAttempts: number;
}

export interface RunStats {
  outcomes: Record<string, number>;
  agentCalls: number;
  webhookAttempts: number;
}

export interface RunObservers {
  agentLatency?: (seconds: number) => void;
}

/** Thrown to make the engine retry the job (after its backoff). */
class RetryLater extends Error {}

export const EMAIL_SKIPPED = 'No email provider is configured; email notifications are recorded but not sent';

export class Runner {
  readonly stats: RunStats = { outcomes: {}, agentCalls: 0, webhookAttempts: 0 };
  observers: RunObservers = {};

  constructor(
    private readonly db: Kysely<DB>,
    private readonly engine: JobEngine,
    private readonly agent: AgentClient,
    private readonly logger: Logger,
    private readonly opts: RunnerOptions,
  ) {}

  #count(outcome: string) {
    this.stats.outcomes[outcome] = (this.stats.outcomes[outcome] ?? 0) + 1;
  }

  #defaultNextRun(): Date {
    return new Date(Date.now() + this.opts.defaultIntervalSeconds * 1000);
  }

  /** A schedule job fired: start an execution if the task is still due. */
  async schedule(taskId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const task = await trx.selectFrom('tasks').selectAll().where('id', '=', taskId).forUpdate().executeTakeFirst();
      if (task?.state !== 'active') return;
      if (task.next_run && task.next_run.getTime() > Date.now() + 1000) {
        // Fired early (the task was rescheduled meanwhile): wait for the real time.
        await this.engine.scheduleTask(trx, taskId, task.next_run);
        return;
      }
      const live = await trx
        .selectFrom('task_executions')
        .select('id')
        .where('task_id', '=', taskId)
        .where('status', 'in', ['pending', 'running', 'retrying'])
        .executeTakeFirst();
      if (live) return; // that run schedules the next one when it ends
      const exec = await trx
        .insertInto('task_executions')
        .values({ task_id: taskId })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx.updateTable('tasks').set({ last_execution_id: exec.id }).where('id', '=', taskId).execute();
      await this.engine.enqueueExecution(trx, exec.id, taskId);
    });
  }

  async execute(executionId: string): Promise<void> {
    // Claim: a fresh token. 'running' is re-claimable because the engine hands a job to one
    // worker at a time and only re-delivers it when the previous worker died (expiry).
    const claim = await this.db
      .updateTable('task_executions')
      .set((eb) => ({
        status: 'running',
        run_token: sql<string>`gen_random_uuid()`,
        attempts: eb('attempts', '+', 1),
        started_at: sql<Date>`case when attempts = 0 then now() else started_at end`,
      }))
      .where('id', '=', executionId)
      .where('status', 'in', ['pending', 'retrying', 'running'])
      .returning(['id', 'task_id', 'run_token', 'attempts'])
      .executeTakeFirst();
    if (!claim) return; // cancelled or already finished
    const token = claim.run_token as string;
    const task = await this.db.selectFrom('tasks').selectAll().where('id', '=', claim.task_id).executeTakeFirst();
    if (!task) return;

    const started = performance.now();
    try {
      this.stats.agentCalls++;
      const answer = await this.agent.run({
        prompt: await this.#prompt(task),
        metadata: { user_id: task.user_id, task_id: task.id },
      });
      this.observers.agentLatency?.((performance.now() - started) / 1000);
      const committed = await this.#succeed(task, executionId, token, answer);
      this.#count(committed ? 'success' : 'superseded');
    } catch (err) {
      if (err instanceof RetryLater) throw err;
      const e =
        err instanceof AgentError
          ? err
          : new AgentError(`Run failed: ${(err as Error)?.message ?? String(err)}`, 'agent');
      if (e.retryable && claim.attempts < this.opts.maxAttempts) {
        const marked = await this.#finish(executionId, token, { status: 'retrying', error_message: e.message });
        this.#count(marked ? 'retrying' : 'superseded');
        if (marked) throw new RetryLater(e.message);
        return;
      }
      const failed = await this.db.transaction().execute(async (trx) => {
        const ok = await this.#finish(executionId, token, { status: 'failed', error_message: e.message }, trx);
        // A failed run leaves the task scheduled: try again at the usual interval.
        if (ok) await this.#reschedule(trx, task.id, this.#defaultNextRun());
        return ok;
      });
      this.#count(failed ? 'failed' : 'superseded');
      this.logger.warn({ executionId, taskId: task.id, category: e.category, error: e.message }, 'execution failed');
    }
  }

  /** Writes the run's final state only while it still holds its token. */
  async #finish(
    executionId: string,
    token: string,
    set: { status: 'retrying' | 'failed'; error_message: string },
    db: Kysely<DB> | Transaction<DB> = this.db,
  ): Promise<boolean> {
    const r = await db
      .updateTable('task_executions')
      .set({ ...set, ...(set.status === 'failed' && { completed_at: sql<Date>`now()` }) })
      .where('id', '=', executionId)
      .where('run_token', '=', token)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async #succeed(task: TaskRow, executionId: string, token: string, answer: AgentAnswer): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = {
        evidence: answer.evidence,
        sources: answer.sources,
        confidence: answer.confidence,
        next_run: answer.nextRun === undefined ? undefined : (answer.nextRun?.toISOString() ?? null),
        notification: answer.notification,
        topic: answer.topic,
      };
      const exec = await trx
        .updateTable('task_executions')
        .set({
          status: 'success',
          completed_at: sql<Date>`now()`,
          result: JSON.stringify(result),
          notification: answer.notification,
          grounding_sources: JSON.stringify(answer.sources),
          error_message: null,
        })
        .where('id', '=', executionId)
        .where('run_token', '=', token)
        .where('status', '=', 'running')
        .returningAll()
        .executeTakeFirst();
      if (!exec) return false; // cancelled or superseded while we waited for the agent

      const current = await trx
        .selectFrom('tasks')
        .selectAll()
        .where('id', '=', task.id)
        .forUpdate()
        .executeTakeFirst();
      if (!current) return true;
      const nextRun = answer.nextRun === undefined ? this.#defaultNextRun() : answer.nextRun;
      const completes = nextRun === null && current.state === 'active';
      await trx
        .updateTable('tasks')
        .set({
          last_execution_id: exec.id,
          last_known_state: JSON.stringify({
            evidence: answer.evidence,
            topic: answer.topic,
            confidence: answer.confidence,
            checked_at: new Date().toISOString(),
          }),
          ...(current.state === 'active' && { next_run: nextRun }),
          ...(completes && { state: 'completed', state_changed_at: sql<Date>`now()` }),
        })
        .where('id', '=', task.id)
        .execute();
      if (current.state === 'active' && nextRun) await this.engine.scheduleTask(trx, task.id, nextRun);

      if (answer.notification) {
        const taskJson = toTaskJson({ ...current, last_execution: null });
        const { notifications: _hidden, ...taskForReceiver } = taskJson;
        for (const n of current.notifications as Notification[]) {
          const payload = {
            id: randomUUID(),
            event_type: 'task.condition_met',
            created_at: new Date().toISOString(),
            object: 'event',
            api_version: 'v1',
            data: { task: taskForReceiver, execution: toExecutionJson(exec), result },
          };
          if (n.type === 'webhook') {
            const d = await trx
              .insertInto('notification_deliveries')
              .values({
                id: payload.id,
                task_id: task.id,
                execution_id: exec.id,
                channel: 'webhook',
                target: n.url,
                payload: JSON.stringify(payload),
              })
              .returning('id')
              .executeTakeFirstOrThrow();
            await this.engine.enqueueDelivery(trx, d.id);
          } else {
            await trx
              .insertInto('notification_deliveries')
              .values({
                task_id: task.id,
                execution_id: exec.id,
                channel: 'email',
                target: n.address,
                payload: JSON.stringify(payload),
                status: 'skipped',
                reason: EMAIL_SKIPPED,
              })
              .execute();
          }
        }
      }
      return true;
    });
  }

  async #reschedule(trx: Transaction<DB>, taskId: string, at: Date): Promise<void> {
    const r = await trx
      .updateTable('tasks')
      .set({ next_run: at })
      .where('id', '=', taskId)
      .where('state', '=', 'active')
      .executeTakeFirst();
    if (r.numUpdatedRows > 0n) await this.engine.scheduleTask(trx, taskId, at);
  }

  async #prompt(task: TaskRow): Promise<string> {
    const recent = await this.db
      .selectFrom('task_executions')
      .select(['started_at', 'result'])
      .where('task_id', '=', task.id)
      .where('status', '=', 'success')
      .orderBy('started_at', 'desc')
      .limit(3)
      .execute();
    const lines = [
      'You are monitoring the web for a condition on behalf of a user.',
      `Search query: ${task.search_query}`,
      `Condition to detect: ${task.condition_description}`,
      `What was known after the last check: ${task.last_known_state ? JSON.stringify(task.last_known_state) : 'nothing yet'}`,
      `Recent results (newest first): ${recent.length ? JSON.stringify(recent.map((r) => ({ at: r.started_at, result: r.result }))) : 'none'}`,
      'Answer with JSON: {"evidence", "sources", "confidence", "next_run" (ISO time of the next check, or null to stop), "notification" (a message for the user only when the condition is met, else null), "topic"}.',
    ];
    return lines.join('\n');
  }

  /** One webhook attempt; the engine retries (same delivery id) until delivered or out of attempts. */
  async deliver(deliveryId: string): Promise<void> {
    const d = await this.db
      .updateTable('notification_deliveries')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', deliveryId)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
    if (!d) return;
    const task = await this.db
      .selectFrom('tasks')
      .select(['notifications', 'webhook_secret'])
      .where('id', '=', d.task_id)
      .executeTakeFirst();
    const hook = (task?.notifications as Notification[] | undefined)?.find(
      (n): n is WebhookNotification => n.type === 'webhook',
    );
    this.stats.webhookAttempts++;
    const attempt = await sendWebhook({
      url: d.target,
      method: hook?.method ?? 'POST',
      headers: hook?.url === d.target ? hook.headers : {},
      body: JSON.stringify(d.payload),
      secret: task?.webhook_secret ?? null,
      deliveryId: d.id,
      event: 'task.condition_met',
      allowInsecureTargets: this.opts.allowInsecureTargets,
      timeoutMs: this.opts.webhookTimeoutMs,
    });
    await this.db
      .insertInto('notification_attempts')
      .values({
        delivery_id: d.id,
        attempt: d.attempts,
        status_code: attempt.statusCode,
        error: attempt.error,
        duration_ms: attempt.durationMs,
      })
      .execute();
    const ok = attempt.statusCode !== null && attempt.statusCode >= 200 && attempt.statusCode < 300;
    if (ok || attempt.permanent || d.attempts >= this.opts.webhookMaxAttempts) {
      await this.db
        .updateTable('notification_deliveries')
        .set({
          status: ok ? 'delivered' : 'failed',
          reason: ok ? null : (attempt.error ?? `HTTP ${attempt.statusCode}`),
          ...(ok && { delivered_at: sql<Date>`now()` }),
        })
        .where('id', '=', d.id)
        .execute();
      return;
    }
    throw new RetryLater(`webhook attempt ${d.attempts} failed: ${attempt.error ?? `HTTP ${attempt.statusCode}`}`);
  }

  /** Re-creates the schedule of any active task that has none (lost job, restored backup…). */
  async reconcile(): Promise<number> {
    const missing = await sql<{ id: string; next_run: Date | null }>`
      select t.id, t.next_run from tasks t
      where t.state = 'active'
        and not exists (
          select 1 from pgboss.job j
          where j.name = 'task-schedule' and j.singleton_key = t.id::text and j.state in ('created', 'retry', 'active'))
        and not exists (
          select 1 from task_executions e where e.task_id = t.id and e.status in ('pending', 'running', 'retrying'))
      limit 1000`.execute(this.db);
    for (const row of missing.rows) {
      await this.db.transaction().execute(async (trx) => {
        const at = row.next_run ?? this.#defaultNextRun();
        if (!row.next_run) await trx.updateTable('tasks').set({ next_run: at }).where('id', '=', row.id).execute();
        await this.engine.scheduleTask(trx, row.id, at);
      });
    }
    if (missing.rows.length > 0)
      this.logger.info({ count: missing.rows.length }, 'reconcile re-created missing schedules');
    return missing.rows.length;
  }
}

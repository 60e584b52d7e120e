// Runs and notification deliveries written straight into a test database, as the job
// handlers would have left them, so the dashboard's views can be read without an agent.
import type { Database } from '../../src/db/database.js';

let clock = Date.parse('2026-11-01T09:00:00Z');
/** Strictly increasing start times, so "newest first" is unambiguous. */
export function nextStart(): Date {
  clock += 60_000;
  return new Date(clock);
}

export interface RunSeed {
  status?: 'success' | 'failed' | 'pending' | 'running' | 'retrying' | 'cancelled';
  notification?: string | null;
  result?: unknown;
  error?: string | null;
  sources?: unknown[];
}

export async function insertRun(database: Database, taskId: string, r: RunSeed = {}) {
  const started = nextStart();
  const status = r.status ?? 'success';
  return database.db
    .insertInto('task_executions')
    .values({
      task_id: taskId,
      status,
      started_at: started,
      completed_at: status === 'success' || status === 'failed' ? new Date(started.getTime() + 5000) : null,
      notification: r.notification ?? null,
      result: r.result === undefined ? undefined : JSON.stringify(r.result),
      error_message: r.error ?? null,
      grounding_sources: JSON.stringify(r.sources ?? []),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface DeliverySeed {
  channel: 'webhook' | 'email';
  target: string;
  status: 'pending' | 'delivered' | 'failed' | 'skipped';
  reason?: string | null;
  /** Attempts in order: status code (or null) and error. */
  attempts?: { code: number | null; error?: string }[];
}

export async function insertDelivery(database: Database, taskId: string, executionId: string, d: DeliverySeed) {
  const created = nextStart();
  if (d.channel === 'email') {
    // Emails have their own table (email_sends); an attempt's outcome is kept on the row.
    const owner = await database.db
      .selectFrom('tasks')
      .select('user_id')
      .where('id', '=', taskId)
      .executeTakeFirstOrThrow();
    const last = d.attempts?.at(-1);
    return database.db
      .insertInto('email_sends')
      .values({
        user_id: owner.user_id,
        task_id: taskId,
        execution_id: executionId,
        kind: 'condition_met',
        recipient: d.target,
        subject: 'Seeded - Condition Met!',
        message: null,
        message_id: `<seed-${created.getTime()}@example.com>`,
        status: d.status,
        reason: d.reason ?? null,
        attempts: d.attempts?.length ?? 0,
        last_response_code: last?.code ?? null,
        last_error: last?.error ?? null,
        created_at: created,
        delivered_at: d.status === 'delivered' ? new Date(created.getTime() + 1000) : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  const row = await database.db
    .insertInto('notification_deliveries')
    .values({
      task_id: taskId,
      execution_id: executionId,
      channel: d.channel,
      target: d.target,
      payload: JSON.stringify({ event_type: 'task.condition_met' }),
      status: d.status,
      reason: d.reason ?? null,
      attempts: d.attempts?.length ?? 0,
      created_at: created,
      delivered_at: d.status === 'delivered' ? new Date(created.getTime() + 1000) : null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  for (const [i, a] of (d.attempts ?? []).entries()) {
    await database.db
      .insertInto('notification_attempts')
      .values({
        delivery_id: row.id,
        attempt: i + 1,
        status_code: a.code,
        error: a.error ?? null,
        duration_ms: 12,
        created_at: new Date(created.getTime() + (i + 1) * 1000),
      })
      .execute();
  }
  return row;
}

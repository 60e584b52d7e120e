// One engine measurement: `n` active tasks are made due at once, and the run is timed from
// the database's own clock — when they came due, when the first execution was created, when
// the last one completed.
import { setTimeout as sleep } from 'node:timers/promises';
import { query } from './db.js';

export interface Batch {
  label: string;
  n: number;
  done: number;
  failed: number;
  /** First execution created → last completed: the dispatch-and-run rate. */
  runSeconds: number;
  /** Made due → last completed: what a user waits for the whole batch. */
  wallSeconds: number;
  runsPerSecond: number;
  timedOut: boolean;
}

export async function seedEngineUser(url: string): Promise<string> {
  const [u] = await query<{ id: string }>(
    url,
    `insert into users (clerk_user_id, email) values ('user_engine', 'engine@example.com') returning id`,
  );
  return u!.id;
}

/**
 * `n` active tasks named "<label> <i>", scheduled a day ahead until runBatch makes them due (an
 * active task without a schedule is not idle: the forgotten-task sweep schedules and runs it at once).
 */
export async function seedEngineTasks(url: string, userId: string, label: string, n: number): Promise<void> {
  await query(
    url,
    `insert into tasks (user_id, name, search_query, condition_description, state, next_dispatch_at)
     select '${userId}', '${label} ' || g, 'When is release ' || g || ' announced?', 'A date is announced', 'active',
            now() + interval '1 day'
     from generate_series(1, ${n}) g`,
  );
}

export async function runBatch(url: string, label: string, n: number, timeoutMs: number): Promise<Batch> {
  const [due] = await query<{ t0: number }>(
    url,
    `with u as (update tasks set next_dispatch_at = now() where name like '${label} %' returning 1)
     select extract(epoch from now())::float8 as t0, (select count(*) from u)::int as n`,
  );
  const t0 = due!.t0;
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [s] = await query<{ done: number; failed: number; first: number | null; last: number | null; now: number }>(
      url,
      `select count(*) filter (where e.status = 'success')::int as done,
              count(*) filter (where e.status = 'failed')::int as failed,
              extract(epoch from min(e.created_at))::float8 as first,
              extract(epoch from max(e.completed_at))::float8 as last,
              extract(epoch from now())::float8 as now
       from task_executions e join tasks t on t.id = e.task_id where t.name like '${label} %'`,
    );
    const timedOut = Date.now() > until;
    if (s!.done + s!.failed >= n || timedOut) {
      const end = timedOut ? s!.now : (s!.last ?? s!.now);
      const runSeconds = end - (s!.first ?? t0);
      return {
        label,
        n,
        done: s!.done,
        failed: s!.failed,
        runSeconds,
        wallSeconds: end - t0,
        runsPerSecond: s!.done / Math.max(runSeconds, 0.001),
        timedOut,
      };
    }
    await sleep(200);
  }
}

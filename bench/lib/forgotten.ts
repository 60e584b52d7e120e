// Active tasks without a schedule (next_dispatch_at null, as an import or a restored backup
// leaves them) on a database of any size: two gateway instances start with the runner on, and
// every such task must run within a minute of start-up, each exactly once. Timed by the database
// clock from the moment the first instance is started; each instance's share read from its
// /metrics (torale_tasks_forgotten_scheduled_total).

import { query } from './db.js';
import { startBenchAgent } from './fake-agent.js';
import { startGateway } from './gateway.js';
import { log, type Procs } from './procs.js';

export const FORGOTTEN_TASKS = 2000;

export interface ForgottenRun {
  tasks: number;
  /** Seconds from the first instance's start until the last of them had run (null: not all did). */
  allRanSeconds: number | null;
  ranOnce: number;
  ranMoreThanOnce: number;
  notRun: number;
  /** Scheduled by each instance's sweeper (its metric); together they should make `tasks`. */
  scheduledBy: Record<string, number>;
  agentCalls: number;
}

const metric = async (url: string, name: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : Number.NaN;
};

export async function forgottenRun(
  procs: Procs,
  label: string,
  url: string,
  jwtKey: string,
  timeoutSeconds = 120,
): Promise<ForgottenRun> {
  // Unschedule active tasks until FORGOTTEN_TASKS of them have no schedule (the bench user's
  // active tasks were seeded without one, so they are among them).
  await query(
    url,
    `create table bench_forgotten as select id from tasks where state = 'active' and next_dispatch_at is null`,
    `insert into bench_forgotten select id from tasks where state = 'active' and next_dispatch_at is not null
       and name like 'Filler %' order by id limit greatest(0, ${FORGOTTEN_TASKS} - (select count(*) from bench_forgotten))`,
    `update tasks set next_dispatch_at = null, next_run = null where id in (select id from bench_forgotten)`,
    'analyze tasks',
  );
  const [{ n }] = await query<{ n: number }>(url, 'select count(*)::int as n from bench_forgotten');
  const agent = await startBenchAgent();
  try {
    const env = { TORALE_RUNNER: '1', TORALE_AGENT_URL: agent.url, TORALE_RUN_CONCURRENCY: '50' };
    const [{ t0 }] = await query<{ t0: Date }>(url, 'select now() as t0');
    const instances = [
      await startGateway(procs, `${label}-runner-a`, url, jwtKey, env),
      await startGateway(procs, `${label}-runner-b`, url, jwtKey, env),
    ];
    const counts = () =>
      query<{ once: number; more: number; none: number; last: Date | null }>(
        url,
        `select count(*) filter (where runs = 1)::int as once, count(*) filter (where runs > 1)::int as more,
                count(*) filter (where runs = 0)::int as none, max(last) as last
         from (select f.id, count(e.id) as runs, max(e.completed_at) as last from bench_forgotten f
               left join task_executions e on e.task_id = f.id and e.created_at >= '${t0.toISOString()}'
                 and e.status = 'success'
               group by f.id) r`,
      );
    const deadline = Date.now() + timeoutSeconds * 1000;
    let c = (await counts())[0]!;
    while (c.none > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      c = (await counts())[0]!;
    }
    // A few seconds more: a second run of a task would show up here.
    await new Promise((r) => setTimeout(r, 5000));
    c = (await counts())[0]!;
    const scheduledBy: Record<string, number> = {};
    for (const p of instances) scheduledBy[p.name] = await metric(p.url, 'torale_tasks_forgotten_scheduled_total');
    for (const p of instances) await procs.stop(p);
    const result: ForgottenRun = {
      tasks: n,
      allRanSeconds: c.none === 0 && c.last ? (c.last.getTime() - t0.getTime()) / 1000 : null,
      ranOnce: c.once,
      ranMoreThanOnce: c.more,
      notRun: c.none,
      scheduledBy,
      agentCalls: agent.calls,
    };
    log(`growth ${label}: forgotten tasks ${JSON.stringify(result)}`);
    return result;
  } finally {
    await agent.close();
  }
}

// The engine floor: a bare script doing what one run needs and nothing else — INSERT the
// execution, call the agent (the gateway's own AgentClient, same fake agent), write the
// result — with CONCURRENCY runs in flight over a pool as large as the gateway's, until
// RUNS are done. Prints `RESULT {"runs","seconds"}`.
// Usage: node dist/bench/bench/baselines/engine-floor.js (env: DATABASE_URL, AGENT_URL, RUNS, CONCURRENCY, LABEL)
import pg from 'pg';
import { AgentClient } from '../../src/runs/agent.js';

const runs = Number(process.env.RUNS ?? 1000);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const agent = new AgentClient([process.env.AGENT_URL ?? ''], 60_000);
// One task per worker: a task never has two live executions (the unique index allows one).
const { rows: tasks } = await pool.query<{ id: string; user_id: string; search_query: string }>(
  'select id, user_id, search_query from tasks where name like $1 order by name limit $2',
  [`${process.env.LABEL ?? 'floor'} %`, Number(process.env.CONCURRENCY ?? 50)],
);
let started = 0;
const t0 = performance.now();
await Promise.all(
  tasks.map(async (task) => {
    while (started < runs) {
      started++;
      const { rows } = await pool.query<{ id: string }>(
        `insert into task_executions (task_id, status, attempts, run_token) values ($1, 'running', 1, gen_random_uuid()) returning id`,
        [task.id],
      );
      const answer = await agent.run({
        prompt: `Search query: ${task.search_query}`,
        metadata: { user_id: task.user_id, task_id: task.id },
      });
      await pool.query(
        `update task_executions set status = 'success', completed_at = now(), result = $2::jsonb where id = $1`,
        [rows[0]!.id, JSON.stringify(answer)],
      );
    }
  }),
);
console.log(`RESULT ${JSON.stringify({ runs: started, seconds: (performance.now() - t0) / 1000 })}`);
await pool.end();

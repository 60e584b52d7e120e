// GET /admin/stats on the bench's growth data (200,000 users, 1,000,000 tasks, 5,000,000
// executions, seeded with generate_series as bench/lib/seed.ts does), plus what the admin
// views read: every task's last execution, some failed runs, some that notified.
//   npx tsx bench/admin-stats.ts --url postgres://…/db --seed   (once: migrates and seeds)
//   npx tsx bench/admin-stats.ts --url postgres://…/db          (20 calls: mean, p95, plan)
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { sql } from 'kysely';
import { estimatedSizes, statsStatements } from '../src/admin/platform.repository.js';
import { platformStats, samplePercents } from '../src/admin/platform.service.js';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createLogger } from '../src/lib/logger.js';
import { query } from './lib/db.js';
import { largeSize, seedBenchUser, seedFiller } from './lib/seed.js';

const arg = (name: string) => process.argv[process.argv.indexOf(name) + 1];
const url = arg('--url');
if (!url || !process.argv.includes('--url')) throw new Error('--url postgres://… is required');

const database = await openDatabase({ url, logger: createLogger('silent') });
await migrateToLatest(database.db);

if (process.argv.includes('--seed')) {
  const t0 = performance.now();
  await seedFiller(url, { ...largeSize(1), executionsPerTask: 0 });
  await seedBenchUser(url);
  // Five runs a task, a day apart (the last within a day); one in 100 failed, one in 40 notified.
  await query(
    url,
    'set session_replication_role = replica',
    `insert into task_executions (task_id, user_id, status, started_at, created_at, completed_at, result,
                                  grounding_sources, error_message, notification)
     select t.id, t.user_id, case when (h + s) % 100 = 0 then 'failed' else 'success' end,
            now() - make_interval(days => s - 1, secs => h % 86400), now() - make_interval(days => s - 1, secs => h % 86400),
            now() - make_interval(days => s - 1, secs => h % 86400) + interval '20 seconds',
            case when (h + s) % 100 <> 0 then '{"evidence":"Nothing announced yet","confidence":0.7}'::jsonb end,
            '[]'::jsonb, case when (h + s) % 100 = 0 then 'Agent timed out' end,
            case when (h + s) % 40 = 1 then 'Release ' || h || ' is announced' end
     from (select id, user_id, abs(hashtext(id::text)) as h from tasks where name like 'Filler %') t
     cross join generate_series(1, 5) s`,
    `update tasks t set last_execution_id = e.id
     from (select distinct on (task_id) task_id, id from task_executions order by task_id, started_at desc) e
     where e.task_id = t.id`,
    'vacuum analyze',
  );
  console.log(`seeded in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

const times: number[] = [];
let last: unknown;
for (let i = 0; i < 21; i++) {
  const t0 = performance.now();
  last = await platformStats(database.db, 100);
  if (i > 0) times.push(performance.now() - t0); // the first call warms the pool and caches
}
times.sort((a, b) => a - b);
const mean = times.reduce((a, b) => a + b, 0) / times.length;
const p95 = times[Math.ceil(times.length * 0.95) - 1]!;
console.log(JSON.stringify(last, null, 1));
console.log(
  `GET /admin/stats queries, 20 calls: mean ${mean.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms (load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')})`,
);
const plans: string[] = [];
for (const [name, q] of statsStatements(new Date(), samplePercents(await estimatedSizes(database.db)))) {
  const { rows } = await sql<{ 'QUERY PLAN': string }>`explain (analyze, buffers) ${q}`.execute(database.db);
  plans.push(`-- ${name}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}\n`);
}
if (process.argv.includes('--plan')) writeFileSync(arg('--plan')!, plans.join('\n'));
await database.close();

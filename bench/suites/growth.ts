// Data growth (`--growth`): every hot request on a large data set against a small one, in
// one run. Both databases hold the same bench user (API key, 1,000 tasks × 20 executions);
// around it, the large one has 200,000 users, 1,000,000 tasks (200,000 public) and 5,000,000
// executions (times BENCH_SCALE), the small one 100 users and 500 tasks.
//   G11: every hot request on the large data set ≥ 0.8× the small one.
//   G13: the public total + bookmarks refresh reads only the changes (statement time large/small).
//   G14: 2,000 active tasks without a schedule on the large set all run within a minute of two
//        instances starting with the runner on, each exactly once.
import type { BenchContext } from '../lib/context.js';
import { type BenchDb, createDatabase } from '../lib/db.js';
import { FORGOTTEN_TASKS, forgottenRun } from '../lib/forgotten.js';
import { startGateway } from '../lib/gateway.js';
import { runRounds, type Target, verify } from '../lib/load.js';
import { log } from '../lib/procs.js';
import { publicRefreshTimes, REFRESH_CHANGES } from '../lib/public-refresh.js';
import { compare, row, type SuiteResult } from '../lib/results.js';
import { type FillerSize, largeSize, seedBenchUser, seedFiller, smallSize } from '../lib/seed.js';
import { publicTargets, userTargets } from '../lib/targets.js';

const LABELS: Record<string, string> = {
  rest_me_key: 'REST GET /auth/me, API key',
  gql_me_key: 'GraphQL me, API key',
  gql_me_clerk: 'GraphQL me, Clerk token',
  gql_tasks_1000: 'GraphQL tasks (1,000)',
  rest_executions: 'REST executions of a task',
  gql_executions: 'GraphQL executions of a task',
  rest_notifications: 'REST notifications of a task',
  rest_feed: 'REST owner feed',
  gql_feed: 'GraphQL owner feed',
  gql_public_first: 'GraphQL publicTasks, first page',
  gql_public_keyset_first: 'GraphQL publicTasksConnection, first page',
  rest_public_first: 'REST public tasks, first page',
};

// The per-caller budgets (issue 23) off: one bench key at 50 connections is far past an honest
// client's budget, and a 429 measures the budget, not what the data's size does to a request.
const UNLIMITED = {
  RATE_LIMIT_REST_REQUESTS: '0',
  RATE_LIMIT_GRAPHQL_POINTS: '0',
  RATE_LIMIT_EXPENSIVE_CONCURRENCY: '1000',
  RATE_LIMIT_EXPENSIVE_SHARE: '100',
};

async function seeded(label: string, size: FillerSize) {
  const db = await createDatabase(label);
  const t0 = Date.now();
  const user = await seedBenchUser(db.url);
  await seedFiller(db.url, size);
  log(
    `growth: seeded ${label} (${size.users} users, ${size.tasks} tasks, ${size.tasks * size.executionsPerTask} executions) in ${Math.round((Date.now() - t0) / 1000)} s`,
  );
  return { db, user };
}

export async function growthSuite({ opts, procs, clerk }: BenchContext): Promise<SuiteResult> {
  const dbs: BenchDb[] = [];
  try {
    const small = await seeded('small', smallSize);
    dbs.push(small.db);
    const large = await seeded('large', largeSize(opts.scale));
    dbs.push(large.db);
    const token = await clerk.token(small.user.clerkUserId);
    const targets: Target[] = [];
    for (const [label, s] of [
      ['small', small],
      ['large', large],
    ] as const) {
      const g = await startGateway(procs, `gateway-${label}`, s.db.url, clerk.jwtKey, UNLIMITED);
      const all = { ...userTargets(g, s.db.url, s.user, token), ...publicTargets(g, s.db.url) };
      for (const t of Object.values(all)) targets.push({ ...t, name: `${label}:${t.name}` });
    }
    // small:x and large:x next to each other, so a pair sees the same moment of the machine.
    targets.sort((a, b) => a.name.split(':')[1]!.localeCompare(b.name.split(':')[1]!));
    await verify(targets);
    const samples = await runRounds(targets, opts.rounds, opts.duration);
    const rows = Object.entries(LABELS).map(([name, label]) =>
      compare(samples, `large:${name}`, `small:${name}`, {
        suite: 'growth',
        measurement: `${label}: large/small`,
        baseline: 'small data set',
        goal: { id: 'G11', on: 'ratio', op: '>=', target: 0.8 },
        note: `scale ${opts.scale}`,
      }),
    );
    // After the load: the changes it makes must not be in the requests measured.
    const times = { small: await publicRefreshTimes(small.db.url), large: await publicRefreshTimes(large.db.url) };
    log(`growth: public refresh ${JSON.stringify(times)}`);
    rows.push(
      row({
        suite: 'growth',
        measurement: `public total + bookmarks refresh, ${REFRESH_CHANGES} changes: statement time large/small (O(changes))`,
        value: times.large.incrementalMs,
        unit: 'ms',
        baseline: { name: 'small data set', value: times.small.incrementalMs, unit: 'ms' },
        ratio: times.large.incrementalMs / times.small.incrementalMs,
        goal: { id: 'G13', on: 'ratio', op: '<=', target: 1.5 },
        note: `${times.large.changesRead}/${times.small.changesRead} changes read; median of 15`,
      }),
      row({
        suite: 'growth',
        measurement: 'the full read it replaced (count + bookmarks of both sorts): large/small',
        value: times.large.fullMs,
        unit: 'ms',
        baseline: { name: 'small data set', value: times.small.fullMs, unit: 'ms' },
        ratio: times.large.fullMs / times.small.fullMs,
        note: 'once per instance at start (or after 5 idle minutes), no longer every 10 s',
      }),
    );
    // Last, since it runs tasks: the large set's gateway (API only) stays up, two runners join.
    const forgotten = await forgottenRun(procs, 'large', large.db.url, clerk.jwtKey);
    rows.push(
      row({
        suite: 'growth',
        measurement: `${forgotten.tasks} active tasks without a schedule, two instances: s from start-up until all ran`,
        value: forgotten.allRanSeconds ?? Number.POSITIVE_INFINITY,
        unit: 's',
        goal: { id: 'G14', on: 'value', op: '<=', target: 60 },
        note: `ran once ${forgotten.ranOnce}, more than once ${forgotten.ranMoreThanOnce}, not run ${forgotten.notRun}; scheduled by ${Object.values(forgotten.scheduledBy).join(' + ')}; agent calls ${forgotten.agentCalls}`,
      }),
      row({
        suite: 'growth',
        measurement: 'of them run more than once, or not at all',
        value: forgotten.ranMoreThanOnce + forgotten.notRun,
        unit: 'tasks',
        goal: { id: 'G14', on: 'value', op: '<=', target: 0 },
        note: `target ${FORGOTTEN_TASKS}`,
      }),
    );
    return {
      rows,
      raw: {
        scale: opts.scale,
        large: largeSize(opts.scale),
        small: smallSize,
        samples,
        publicRefresh: times,
        forgotten,
      },
    };
  } finally {
    await procs.stopAll();
    for (const db of dbs) await db.drop();
  }
}

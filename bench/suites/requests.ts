// Requests: the gateway's `me` (REST and GraphQL, API key and Clerk token), own tasks and
// executions, against floors started in the same run (bench/baselines/server.ts) — B-fastify
// (bare Fastify answering the key's user with the gateway's SQL), B-apollo (bare Fastify +
// @apollo/server answering `{ me { id email } }` with that SQL) and B-list (the key SQL and
// the 1,000-task list SQL). Throughput at 50 connections; latency at one connection.
import type { BenchContext } from '../lib/context.js';
import { createDatabase } from '../lib/db.js';
import { startBaseline, startGateway } from '../lib/gateway.js';
import { type Distribution, latencyRounds } from '../lib/latency.js';
import { gql, median, rest, runRounds, sqlPerRequest, type Target, verify } from '../lib/load.js';
import { log, type Proc } from '../lib/procs.js';
import { compare, type Row, row, type SuiteResult } from '../lib/results.js';
import { seedBenchUser } from '../lib/seed.js';
import { ME, userTargets } from '../lib/targets.js';

const floorOf = (p: Proc, dbUrl: string) => ({
  pid: p.child.pid,
  pg: { url: dbUrl, app: `bench-floor-${p.name.slice(2)}` },
});

/** Added latency at one connection: gateway − floor per round (median), with both distributions. */
function addedLatency(
  lat: Record<string, Distribution[]>,
  gw: string,
  floor: string,
  label: string,
  floorLabel: string,
): Row[] {
  const g = lat[gw] ?? [];
  const f = lat[floor] ?? [];
  const added = (q: 'p50' | 'p99') => median(g.map((x, i) => x[q] - (f[i]?.[q] ?? Number.NaN)));
  const dist = (ds: Distribution[]) =>
    `p50 ${median(ds.map((d) => d.p50)).toFixed(3)}, p90 ${median(ds.map((d) => d.p90)).toFixed(3)}, p99 ${median(ds.map((d) => d.p99)).toFixed(3)}, p99.9 ${median(ds.map((d) => d.p999)).toFixed(3)} ms`;
  const note = `gateway ${dist(g)}; ${floorLabel} ${dist(f)}`;
  return (['p50', 'p99'] as const).map((q) =>
    row({
      suite: 'requests',
      measurement: `${label} at one connection: ${q} added to ${floorLabel}'s`,
      value: added(q),
      unit: 'ms',
      baseline: { name: `${floorLabel} ${q}`, value: median(f.map((d) => d[q])), unit: 'ms' },
      goal: { id: 'G8', on: 'value', op: '<=', target: q === 'p50' ? 0.3 : 1 },
      note,
    }),
  );
}

/** A list in one statement beyond the key look-up, at least 0.6× of a floor serving the same rows. */
const LIST_GOAL: Row['goal'] = { id: 'G12', on: 'ratio', op: '>=', target: 0.6 };

/**
 * One key sends thousands of requests a second here: the per-key budget (default 1,200 REST
 * requests a minute) would answer most of them 429. The budget still counts every request and
 * sets its RateLimit-* headers (the gateway's per-request work stays whole), with limits the
 * run cannot reach; the expensive-operation share is off, as the floors have none.
 */
const COUNTED_NOT_LIMITING = {
  RATE_LIMIT_REST_REQUESTS: '10000000',
  RATE_LIMIT_GRAPHQL_POINTS: '1000000000',
  RATE_LIMIT_EXPENSIVE_CONCURRENCY: '1000',
  RATE_LIMIT_EXPENSIVE_SHARE: '100',
};

export async function requestsSuite({ opts, procs, clerk }: BenchContext): Promise<SuiteResult> {
  const db = await createDatabase('requests');
  try {
    log('requests: seeding 1 user with an API key, 1,000 tasks × 20 executions');
    const user = await seedBenchUser(db.url);
    const [gateway, bFastify, bApollo, bList] = await Promise.all([
      startGateway(procs, 'gateway', db.url, clerk.jwtKey, COUNTED_NOT_LIMITING),
      startBaseline(procs, 'fastify', { DATABASE_URL: db.url }),
      startBaseline(procs, 'apollo', { DATABASE_URL: db.url }),
      startBaseline(procs, 'list', { DATABASE_URL: db.url }),
    ]);
    const g = userTargets(gateway, db.url, user, await clerk.token(user.clerkUserId));
    const hasUser = (b: string) => (b.includes(user.userId) ? null : 'no user');
    const floors: Record<string, Target> = {
      b_fastify: {
        name: 'b_fastify',
        ...rest(`${bFastify.url}/me`, user.key),
        ...floorOf(bFastify, db.url),
        check: hasUser,
      },
      b_apollo: { name: 'b_apollo', ...gql(bApollo.url, ME, user.key), ...floorOf(bApollo, db.url), check: hasUser },
      b_executions: {
        name: 'b_executions',
        ...rest(`${bFastify.url}/tasks/${user.taskId}/executions?limit=20`, user.key),
        ...floorOf(bFastify, db.url),
      },
      b_notifications: {
        name: 'b_notifications',
        ...rest(`${bFastify.url}/tasks/${user.taskId}/notifications?limit=20`, user.key),
        ...floorOf(bFastify, db.url),
      },
      b_feed: { name: 'b_feed', ...rest(`${bFastify.url}/feed?limit=20`, user.key), ...floorOf(bFastify, db.url) },
      b_gql_executions: {
        name: 'b_gql_executions',
        ...gql(
          bApollo.url,
          `{ executions(taskId: "${user.taskId}", limit: 20) { id status startedAt result } }`,
          user.key,
        ),
        ...floorOf(bApollo, db.url),
      },
      b_list: {
        name: 'b_list',
        ...rest(`${bList.url}/`, user.key),
        ...floorOf(bList, db.url),
        connections: 10,
        check: (b) => ((JSON.parse(b) as unknown[]).length === 1000 ? null : 'expected 1,000 tasks'),
      },
    };
    const targets: Target[] = [...Object.values(floors), ...Object.values(g)];
    await verify(targets);
    // The floors send one statement per request for `me`; the gateway should send no more.
    const sql: Record<string, number> = {};
    for (const t of Object.values(g)) sql[t.name] = await sqlPerRequest(gateway.url, t);
    const samples = await runRounds(targets, opts.rounds, opts.duration);
    const one = (t: Target) => ({ ...t, connections: 1 });
    const lat = await latencyRounds(
      [one(floors.b_fastify!), one(g.rest_me_key!), one(floors.b_apollo!), one(g.gql_me_key!)],
      opts.rounds,
      opts.quick ? 2000 : 5000,
    );
    const sqlNote = (name: string) => `${sql[name]} SQL/request`;
    const vs = (name: string, base: string, measurement: string, baseline: string, goal?: Row['goal']) =>
      compare(samples, name, base, {
        suite: 'requests',
        measurement,
        baseline,
        ...(goal && { goal }),
        ...(sql[name] !== undefined && { note: sqlNote(name) }),
      });
    const tails = (samples.gql_me_key ?? []).map((s) => s.p99 / Math.max(s.p50, 1));
    const rows: Row[] = [
      vs('gql_me_key', 'b_apollo', 'GraphQL me, API key', 'B-apollo', { id: 'G1', on: 'ratio', op: '>=', target: 0.9 }),
      vs('rest_me_key', 'b_fastify', 'REST GET /auth/me, API key', 'B-fastify', {
        id: 'G2',
        on: 'ratio',
        op: '>=',
        target: 0.75,
      }),
      ...addedLatency(lat, 'rest_me_key', 'b_fastify', 'REST me', 'B-fastify'),
      ...addedLatency(lat, 'gql_me_key', 'b_apollo', 'GraphQL me', 'B-apollo'),
      vs('gql_me_clerk', 'gql_me_key', 'GraphQL me, Clerk token', 'GraphQL me with a key', {
        id: 'G4',
        on: 'ratio',
        op: '>=',
        target: 0.8,
      }),
      vs('gql_tasks_1000', 'b_list', 'GraphQL tasks (1,000 with last execution)', 'B-list', {
        id: 'G5',
        on: 'ratio',
        op: '>=',
        target: 0.5,
      }),
      row({
        suite: 'requests',
        measurement: 'GraphQL me at 50 connections: p99/p50',
        value: median(tails),
        unit: '',
        goal: { id: 'G6', on: 'value', op: '<=', target: 4 },
      }),
      vs('rest_executions', 'b_executions', 'REST executions of a task (20)', 'B-fastify, same rows', LIST_GOAL),
      vs('gql_executions', 'b_gql_executions', 'GraphQL executions of a task (20)', 'B-apollo, same rows', LIST_GOAL),
      vs(
        'rest_notifications',
        'b_notifications',
        'REST notifications of a task (5)',
        'B-fastify, same rows',
        LIST_GOAL,
      ),
      vs('rest_feed', 'b_feed', 'REST owner feed (20 of 5,000)', 'B-fastify, same rows', LIST_GOAL),
      vs('gql_feed', 'b_feed', 'GraphQL owner feed (20 of 5,000)', 'B-fastify, same rows'),
      vs('b_apollo', 'b_fastify', 'B-apollo (floor of GraphQL me)', 'B-fastify'),
    ];
    return { rows, raw: { sqlPerRequest: sql, samples, latency: lat } };
  } finally {
    await procs.stopAll();
    await db.drop();
  }
}

// Requests: the gateway's `me` (REST and GraphQL, API key and Clerk token), own tasks and
// executions, against floors started in the same run — B-fastify (bare Fastify running the
// same SQL as REST me), B-apollo (bare Fastify + @apollo/server answering `{ me { id email } }`
// with that SQL) and B-list (bare Fastify running the 1,000-task list SQL).
import type { BenchContext } from '../lib/context.js';
import { createDatabase } from '../lib/db.js';
import { startBaseline, startGateway } from '../lib/gateway.js';
import { gql, medianRps, rest, roundRatio, runRounds, sqlPerRequest, type Target, verify } from '../lib/load.js';
import { log } from '../lib/procs.js';
import { type Row, row, type SuiteResult } from '../lib/results.js';
import { seedBenchUser } from '../lib/seed.js';
import { ME, userTargets } from '../lib/targets.js';

export async function requestsSuite({ opts, procs, clerk }: BenchContext): Promise<SuiteResult> {
  const db = await createDatabase('requests');
  try {
    log('requests: seeding 1 user with an API key, 1,000 tasks × 20 executions');
    const user = await seedBenchUser(db.url);
    const [gateway, bFastify, bApollo, bList] = await Promise.all([
      startGateway(procs, 'gateway', db.url, clerk.jwtKey),
      startBaseline(procs, 'fastify', { DATABASE_URL: db.url }),
      startBaseline(procs, 'apollo', { DATABASE_URL: db.url }),
      startBaseline(procs, 'list', { DATABASE_URL: db.url, USER_ID: user.userId }),
    ]);
    const g = userTargets(gateway.url, user, await clerk.token(user.clerkUserId));
    const targets: Target[] = [
      {
        name: 'b_fastify',
        ...rest(`${bFastify.url}/`, user.key),
        check: (b) => (b.includes(user.userId) ? null : 'no user'),
      },
      {
        name: 'b_apollo',
        ...gql(bApollo.url, ME, user.key),
        check: (b) => (b.includes(user.userId) ? null : 'no user'),
      },
      { name: 'b_list', ...rest(`${bList.url}/`) },
      ...Object.values(g),
      { ...g.gql_me_key!, name: 'gql_me_key_c50', connections: 50 },
    ];
    await verify(targets);
    // The floors send one statement per request; the gateway should send no more for `me`.
    const sql: Record<string, number> = {};
    for (const t of Object.values(g)) sql[t.name] = await sqlPerRequest(gateway.url, t);
    const samples = await runRounds(targets, opts.rounds, opts.duration);
    const rps = (n: string) => medianRps(samples, n);
    const errors = (n: string) => (samples[n] ?? []).reduce((a, s) => a + s.errors, 0);
    const note = (...names: string[]) => {
      const e = names.reduce((a, n) => a + errors(n), 0);
      const parts = [sql[names[0]!] !== undefined && `${sql[names[0]!]} SQL/request`, e > 0 && `${e} errors`];
      const text = parts.filter(Boolean).join(', ');
      return text ? { note: text } : {};
    };
    const vs = (name: string, base: string, label: string, baseLabel: string, goal?: Row['goal']) =>
      row({
        suite: 'requests',
        measurement: label,
        value: rps(name),
        unit: 'req/s',
        baseline: { name: baseLabel, value: rps(base), unit: 'req/s' },
        ratio: roundRatio(samples, name, base),
        ...(goal && { goal }),
        ...note(name, base),
      });
    const c50 = samples.gql_me_key_c50 ?? [];
    const tail = c50.map((s) => s.p99 / Math.max(s.p50, 1)).sort((a, b) => a - b)[Math.floor(c50.length / 2)] ?? NaN;
    const rows: Row[] = [
      vs('gql_me_key', 'b_apollo', 'GraphQL me, API key', 'B-apollo', { id: 'G1', on: 'ratio', op: '>=', target: 0.9 }),
      vs('rest_me_key', 'b_fastify', 'REST GET /auth/me, API key', 'B-fastify', {
        id: 'G2',
        on: 'ratio',
        op: '>=',
        target: 0.75,
      }),
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
        value: tail,
        unit: '',
        goal: { id: 'G6', on: 'value', op: '<=', target: 4 },
        ...note('gql_me_key_c50'),
      }),
      vs('b_apollo', 'b_fastify', 'B-apollo (floor of GraphQL me)', 'B-fastify'),
      vs('rest_executions', 'b_fastify', 'REST executions of a task (20)', 'B-fastify'),
      vs('gql_executions', 'b_apollo', 'GraphQL executions of a task (20)', 'B-apollo'),
    ];
    return { rows, raw: { sqlPerRequest: sql, samples } };
  } finally {
    await procs.stopAll();
    await db.drop();
  }
}

// Public pages: 100,000 public tasks; the page at offset 50,000 against the first page, by
// offset (GraphQL publicTasks, REST /api/v1/public/tasks) and by keyset cursor (GraphQL
// publicTasksConnection, the cursor of the 50,000th task). All anonymous, default sort.
//   G11: a deep page costs ≤ 1.25× the first page, i.e. deep/first throughput ≥ 0.8.
import { encodeCursor } from '../../src/lib/cursor.js';
import type { BenchContext } from '../lib/context.js';
import { createDatabase, query } from '../lib/db.js';
import { startGateway } from '../lib/gateway.js';
import { runRounds, verify } from '../lib/load.js';
import { log } from '../lib/procs.js';
import { compare, type SuiteResult } from '../lib/results.js';
import { seedFiller } from '../lib/seed.js';
import { publicTargets } from '../lib/targets.js';

const TOTAL = 100_000;
const DEPTH = 50_000;

/** The connection cursor (recent sort) of the task just before position `depth`. */
export async function cursorAt(url: string, depth: number): Promise<string> {
  const [r] = await query<{ at: string; id: string }>(
    url,
    `select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at, id
     from tasks where is_public order by created_at desc, id desc offset ${depth - 1} limit 1`,
  );
  return encodeCursor(['recent', r!.at, r!.id]);
}

export async function pagesSuite({ opts, procs, clerk }: BenchContext): Promise<SuiteResult> {
  const db = await createDatabase('pages');
  try {
    log(`pages: seeding ${TOTAL.toLocaleString('en-US')} public tasks of 1,000 users`);
    await seedFiller(db.url, { users: 1000, tasks: TOTAL, publicEvery: 1, executionsPerTask: 0 });
    const gateway = await startGateway(procs, 'gateway-pages', db.url, clerk.jwtKey);
    const t = publicTargets(gateway, db.url, { depth: DEPTH, cursor: await cursorAt(db.url, DEPTH) });
    const targets = Object.values(t);
    await verify(targets);
    const samples = await runRounds(targets, opts.rounds, opts.duration);
    const deepVsFirst = (deep: string, first: string, label: string) =>
      compare(samples, deep, first, {
        suite: 'pages',
        measurement: label,
        baseline: 'first page',
        goal: { id: 'G11', on: 'ratio', op: '>=', target: 0.8 },
      });
    const rows = [
      deepVsFirst('gql_public_deep', 'gql_public_first', `GraphQL publicTasks at offset ${DEPTH} of ${TOTAL}`),
      deepVsFirst('rest_public_deep', 'rest_public_first', `REST public tasks at offset ${DEPTH} of ${TOTAL}`),
      deepVsFirst(
        'gql_public_keyset_deep',
        'gql_public_keyset_first',
        `GraphQL publicTasksConnection after task ${DEPTH}`,
      ),
    ];
    return { rows, raw: { samples } };
  } finally {
    await procs.stopAll();
    await db.drop();
  }
}

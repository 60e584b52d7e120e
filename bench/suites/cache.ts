// Cached public reads (issue 27, must-show 4): anonymous GraphQL reads of the public feed at 50
// connections while one public task is renamed every second (each rename retires every cached
// public answer, on every instance), against the same gateway with PUBLIC_CACHE=false on the
// same database, interleaved in the same rounds.
//   G15: cached/uncached throughput ≥ 10; G16: ≥ 95 % of the cached gateway's anonymous reads are hits.
import type { BenchContext } from '../lib/context.js';
import { createDatabase, query } from '../lib/db.js';
import { startGateway } from '../lib/gateway.js';
import { gql, runRounds, type Target, verify } from '../lib/load.js';
import { log, type Proc } from '../lib/procs.js';
import { compare, row, type SuiteResult } from '../lib/results.js';
import { seedBenchUser } from '../lib/seed.js';
import { served } from '../lib/targets.js';

const PUBLIC_FEED = '{ publicFeed(limit: 20) { id taskId status startedAt notification result taskName } }';

async function cacheCounts(p: Proc): Promise<{ hits: number; misses: number }> {
  const text = await (await fetch(`${p.url}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { hits: read('torale_public_cache_hits_total'), misses: read('torale_public_cache_misses_total') };
}

export async function cacheSuite({ opts, procs, clerk }: BenchContext): Promise<SuiteResult> {
  const db = await createDatabase('cache');
  try {
    log('cache: seeding 1,000 public tasks × 20 runs (5,000 notified)');
    const user = await seedBenchUser(db.url);
    await query(db.url, 'set session_replication_role = replica', 'update tasks set is_public = true');
    const cached = await startGateway(procs, 'gateway-cached', db.url, clerk.jwtKey);
    const uncached = await startGateway(procs, 'gateway-uncached', db.url, clerk.jwtKey, { PUBLIC_CACHE: 'false' });
    const feed = (p: Proc, name: string): Target => ({
      name,
      ...served(p, db.url),
      ...gql(p.url, PUBLIC_FEED),
      check: (b) =>
        (JSON.parse(b) as { data: { publicFeed: unknown[] } }).data.publicFeed.length === 20 ? null : 'expected 20',
    });
    const targets = [feed(cached, 'gql_public_feed_cached'), feed(uncached, 'gql_public_feed_uncached')];
    await verify(targets);

    // One write a second for the whole measurement: a public task renamed (triggers on, as in service).
    let writes = 0;
    const writer = setInterval(() => {
      writes++;
      void query(db.url, `update tasks set name = 'Renamed ${writes}' where id = '${user.taskId}'`).catch((err) =>
        log('cache: write failed', err),
      );
    }, 1000);
    const before = await cacheCounts(cached);
    let samples: Awaited<ReturnType<typeof runRounds>>;
    try {
      samples = await runRounds(targets, opts.rounds, opts.duration);
    } finally {
      clearInterval(writer);
    }
    const after = await cacheCounts(cached);
    const hits = after.hits - before.hits;
    const misses = after.misses - before.misses;
    const rows = [
      compare(samples, 'gql_public_feed_cached', 'gql_public_feed_uncached', {
        suite: 'cache',
        measurement: 'GraphQL publicFeed(limit: 20), anonymous, one public write a second',
        baseline: 'PUBLIC_CACHE=false',
        goal: { id: 'G15', on: 'ratio', op: '>=', target: 10 },
      }),
      row({
        suite: 'cache',
        measurement: `hit ratio of the cached gateway (${hits} hits, ${misses} misses, ${writes} writes)`,
        value: hits / (hits + misses),
        unit: 'ratio',
        goal: { id: 'G16', on: 'value', op: '>=', target: 0.95 },
      }),
    ];
    return { rows, raw: { samples, hits, misses, writes } };
  } finally {
    await procs.stopAll();
    await db.drop();
  }
}

// `npm run bench [-- --quick] [--suite=requests,pages,engine] [--growth] [--out=dir] [--no-build] [--strict]`
// Builds the gateway, runs the chosen suites (each on its own fresh database, every server a
// separate process, every floor measured in the same run), and writes results/latest.{json,md,svg}.
// Prints each goal's ratio; exits 2 when a suite broke, and 1 on a missed goal only with --strict.
import { parseArgs, type SuiteName } from './lib/args.js';
import type { Suite } from './lib/context.js';
import { dropAllDatabases, sweepLeftovers } from './lib/db.js';
import { build, clerkKeys } from './lib/gateway.js';
import { pgCpu } from './lib/load.js';
import { log, Procs } from './lib/procs.js';
import { ratioLines, row, type SuiteResult, writeResults } from './lib/results.js';
import { cacheSuite } from './suites/cache.js';
import { enginesSuite } from './suites/engine.js';
import { growthSuite } from './suites/growth.js';
import { pagesSuite } from './suites/pages.js';
import { requestsSuite } from './suites/requests.js';

const SUITE_FNS: Record<SuiteName, Suite> = {
  requests: requestsSuite,
  pages: pagesSuite,
  engine: enginesSuite,
  growth: growthSuite,
  cache: cacheSuite,
};

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const procs = new Procs();
  // Ctrl-C (or a kill) mid-run: no process or database of this run outlives it.
  let interrupted = false;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (interrupted) return;
      interrupted = true;
      log(`${sig}: stopping every process of this run and dropping its databases`);
      procs.killAll();
      void Promise.race([dropAllDatabases(), new Promise((r) => setTimeout(r, 10_000))]).then(() => process.exit(130));
    });
  }
  await sweepLeftovers();
  if (!opts.noBuild) build();
  const ctx = { opts, procs, clerk: await clerkKeys() };
  const results: Record<string, SuiteResult> = {};
  let broken = false;
  try {
    for (const name of opts.suites) {
      log(`suite ${name}`);
      const t0 = Date.now();
      try {
        results[name] = await SUITE_FNS[name](ctx);
      } catch (err) {
        broken = true;
        log(`suite ${name} failed:`, err);
        results[name] = {
          rows: [
            row({ suite: name, measurement: `suite failed: ${(err as Error).message}`, value: Number.NaN, unit: '' }),
          ],
        };
      } finally {
        await procs.stopAll();
      }
      log(`suite ${name} took ${Math.round((Date.now() - t0) / 1000)} s`);
    }
  } finally {
    await procs.close();
    await pgCpu.close();
  }
  results.memory = {
    rows: [
      row({
        suite: 'memory',
        measurement: `peak RSS of any gateway process (${procs.peakRss.name || 'none'})`,
        value: procs.peakRss.mb,
        unit: 'MB',
        goal: { id: 'G7', on: 'value', op: '<=', target: 250 },
      }),
    ],
  };
  const { rows, header } = writeResults(
    opts.outDir,
    {
      quick: opts.quick,
      suites: opts.suites,
      duration: opts.duration,
      rounds: opts.rounds,
      scale: opts.scale,
      startedAt,
    },
    results,
  );
  const failed = rows
    .filter((r) => r.measurement.startsWith('suite failed'))
    .map((r) => `BROKEN ${r.suite}: ${r.measurement}`);
  console.log(`\n${header}\n\n${[...ratioLines(rows), ...failed].join('\n')}\n`);
  log(`wrote ${opts.outDir}latest.{json,md,svg} in ${Math.round((Date.now() - startedAt.getTime()) / 1000)} s`);
  if (broken) return 2;
  return process.argv.includes('--strict') && rows.some((r) => r.pass === false) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);

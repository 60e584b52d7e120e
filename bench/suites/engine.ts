// The engine: due runs against a fake agent that answers at once or after 2 s, on one and
// on two gateway instances, against the floor — a bare script doing the same INSERT + agent
// call + result write on the same database and agent, measured in the same run.
//   G9:  instant agent, one instance ≥ 0.25× the floor; two instances ≥ 1.8× one.
//   G10: 2 s agent, N due runs finish within 2× N/limit × 2 s (limit = runs in flight per instance).
import type { BenchContext } from '../lib/context.js';
import { createDatabase } from '../lib/db.js';
import { type Batch, runBatch, seedEngineTasks, seedEngineUser } from '../lib/engine-batch.js';
import { startBenchAgent } from '../lib/fake-agent.js';
import { BASELINE, startGateway } from '../lib/gateway.js';
import { log, type Procs } from '../lib/procs.js';
import { row, type SuiteResult } from '../lib/results.js';

const LIMIT = 50;
const SLOW_MS = 2000;

async function floor(procs: Procs, url: string, agentUrl: string, runs: number): Promise<Batch> {
  const p = await procs.start('engine-floor', [BASELINE('engine-floor')], {
    DATABASE_URL: url,
    AGENT_URL: agentUrl,
    RUNS: String(runs),
    CONCURRENCY: String(LIMIT),
    LABEL: 'floor',
  });
  const code = await new Promise<number | null>((r) => p.child.once('exit', r));
  const line = /RESULT (.*)/.exec(p.output())?.[1];
  if (code !== 0 || !line) throw new Error(`engine floor failed (${code}): ${p.output().slice(-1000)}`);
  const r = JSON.parse(line) as { runs: number; seconds: number };
  return {
    label: 'floor',
    n: runs,
    done: r.runs,
    failed: 0,
    runSeconds: r.seconds,
    wallSeconds: r.seconds,
    runsPerSecond: r.runs / r.seconds,
    timedOut: false,
  };
}

const describe = (b: Batch) =>
  `${b.done}/${b.n} runs in ${b.runSeconds.toFixed(1)} s${b.failed ? `, ${b.failed} failed` : ''}${b.timedOut ? ', TIMED OUT' : ''}`;

export async function enginesSuite({ opts, procs, clerk }: BenchContext): Promise<SuiteResult> {
  const db = await createDatabase('engine');
  const agent = await startBenchAgent();
  const n = opts.quick ? 600 : 3000;
  const nSlow = opts.quick ? 100 : 200;
  const timeoutMs = (opts.quick ? 120 : 300) * 1000;
  try {
    const userId = await seedEngineUser(db.url);
    await seedEngineTasks(db.url, userId, 'floor', LIMIT);
    for (const [label, count] of [
      ['one', n],
      ['slow', nSlow],
      ['two', n],
    ] as const) {
      await seedEngineTasks(db.url, userId, label, count);
    }
    log(`engine: floor, ${n} runs with ${LIMIT} in flight`);
    const base = await floor(procs, db.url, agent.url, n);
    log(`engine floor: ${describe(base)} → ${base.runsPerSecond.toFixed(1)} runs/s`);

    const env = { TORALE_RUNNER: '1', TORALE_AGENT_URL: agent.url, TORALE_RUN_CONCURRENCY: String(LIMIT) };
    await startGateway(procs, 'engine-a', db.url, clerk.jwtKey, env);
    const one = await runBatch(db.url, 'one', n, timeoutMs);
    log(`engine one instance, instant agent: ${describe(one)} → ${one.runsPerSecond.toFixed(1)} runs/s`);
    agent.delayMs = SLOW_MS;
    const slow = await runBatch(db.url, 'slow', nSlow, timeoutMs);
    agent.delayMs = 0;
    const allowed = (nSlow / LIMIT) * (SLOW_MS / 1000);
    log(`engine one instance, 2 s agent: ${describe(slow)}; all done ${slow.wallSeconds.toFixed(1)} s after due`);
    await startGateway(procs, 'engine-b', db.url, clerk.jwtKey, env);
    const two = await runBatch(db.url, 'two', n, timeoutMs);
    log(`engine two instances, instant agent: ${describe(two)} → ${two.runsPerSecond.toFixed(1)} runs/s`);

    const rows = [
      row({
        suite: 'engine',
        measurement: 'runs/s, instant agent, one instance',
        value: one.runsPerSecond,
        unit: 'runs/s',
        baseline: { name: 'engine floor (bare script)', value: base.runsPerSecond, unit: 'runs/s' },
        ratio: one.runsPerSecond / base.runsPerSecond,
        goal: { id: 'G9', on: 'ratio', op: '>=', target: 0.25 },
        note: describe(one),
      }),
      row({
        suite: 'engine',
        measurement: 'runs/s, instant agent, two instances',
        value: two.runsPerSecond,
        unit: 'runs/s',
        baseline: { name: 'one instance', value: one.runsPerSecond, unit: 'runs/s' },
        ratio: two.runsPerSecond / one.runsPerSecond,
        goal: { id: 'G9', on: 'ratio', op: '>=', target: 1.8 },
        note: `${describe(two)}; 2 cores for both instances, PostgreSQL and the agent`,
      }),
      row({
        suite: 'engine',
        measurement: `${nSlow} due runs, 2 s agent, ${LIMIT} in flight: time to all done`,
        value: slow.wallSeconds,
        unit: 's',
        baseline: { name: `N/limit × 2 s`, value: allowed, unit: 's' },
        ratio: slow.wallSeconds / allowed,
        goal: { id: 'G10', on: 'ratio', op: '<=', target: 2 },
        note: describe(slow),
      }),
    ];
    return { rows, raw: { floor: base, one, slow, two, limit: LIMIT, agentCalls: agent.calls } };
  } finally {
    await procs.stopAll();
    await agent.close();
    await db.drop();
  }
}

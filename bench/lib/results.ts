// What a run found: one row per measurement, each with its baseline, ratio and goal, written
// as bench/results/latest.json (everything, raw samples included), latest.md (the table) and
// latest.svg (the goals as a chart).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { median, medianOf, roundRatio, type Sample } from './load.js';
import { svgChart } from './svg.js';

export interface Goal {
  id: string;
  /** What the goal checks: the row's ratio, or its value. */
  on: 'ratio' | 'value';
  op: '>=' | '<=';
  target: number;
}

export interface Row {
  suite: string;
  measurement: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number; unit: string };
  ratio?: number;
  goal?: Goal;
  pass?: boolean;
  note?: string;
  /**
   * CPU µs per request of the measured server and of its baseline (process user + system time
   * over the requests sent), and baseline/measured: the efficiency ratio, which a busy machine
   * disturbs far less than throughput.
   */
  cpu?: { value: number; baseline?: number; ratio?: number };
  /** Median 1-minute load average over the samples of this row. */
  load?: number;
}

export interface SuiteResult {
  rows: Row[];
  /** Raw samples and anything else worth keeping in the JSON. */
  raw?: unknown;
}

/** A row, judged against its goal when it has one. */
export function row(r: Omit<Row, 'pass'>): Row {
  if (!r.goal) return r;
  const x = r.goal.on === 'ratio' ? r.ratio : r.value;
  const pass = x !== undefined && Number.isFinite(x) && (r.goal.op === '>=' ? x >= r.goal.target : x <= r.goal.target);
  return { ...r, pass };
}

/**
 * `a` against baseline `b` from the same rounds: both absolute throughputs, their ratio (median
 * of per-round ratios), both CPU µs per request and the CPU ratio b/a, the load average.
 */
export function compare(
  samples: Record<string, Sample[]>,
  a: string,
  b: string,
  r: { suite: string; measurement: string; baseline: string; goal?: Goal; note?: string },
): Row {
  const errors = [a, b].reduce((n, name) => n + (samples[name] ?? []).reduce((m, s) => m + s.errors, 0), 0);
  const note = [r.note, errors > 0 && `${errors} errors`].filter(Boolean).join(', ');
  return row({
    suite: r.suite,
    measurement: r.measurement,
    value: medianOf(samples, a, 'rps'),
    unit: 'req/s',
    baseline: { name: r.baseline, value: medianOf(samples, b, 'rps'), unit: 'req/s' },
    ratio: roundRatio(samples, a, b),
    cpu: {
      value: medianOf(samples, a, 'cpuUs'),
      baseline: medianOf(samples, b, 'cpuUs'),
      ratio: roundRatio(samples, b, a, 'cpuUs'),
    },
    load: median([...(samples[a] ?? []), ...(samples[b] ?? [])].map((s) => s.load)),
    ...(r.goal && { goal: r.goal }),
    ...(note && { note }),
  });
}

const fmt = (x: number | undefined): string => {
  if (x === undefined || !Number.isFinite(x)) return '–';
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString('en-US');
  return x.toFixed(Math.abs(x) >= 10 ? 1 : 2);
};

export const goalText = (g: Goal): string => `${g.id}: ${g.on} ${g.op === '>=' ? '≥' : '≤'} ${g.target}`;

export function markdown(rows: readonly Row[], header: string): string {
  const lines = [
    header,
    '',
    '| suite | measurement | value | baseline | ratio | CPU µs/request (measured / baseline) | CPU ratio | load | goal | verdict |',
    '|---|---|---:|---|---:|---:|---:|---:|---|---|',
    ...rows
      .map((r) =>
        [
          r.suite,
          r.measurement + (r.note ? ` (${r.note})` : ''),
          `${fmt(r.value)} ${r.unit}`,
          r.baseline ? `${r.baseline.name}: ${fmt(r.baseline.value)} ${r.baseline.unit}` : '–',
          fmt(r.ratio),
          r.cpu ? `${fmt(r.cpu.value)}${r.cpu.baseline !== undefined ? ` / ${fmt(r.cpu.baseline)}` : ''}` : '–',
          fmt(r.cpu?.ratio),
          fmt(r.load),
          r.goal ? goalText(r.goal) : '–',
          r.pass === undefined ? '–' : r.pass ? 'pass' : '**FAIL**',
        ].join(' | '),
      )
      .map((l) => `| ${l} |`),
  ];
  return `${lines.join('\n')}\n`;
}

/** One line per goal: verdict, the ratio, and both absolute numbers beside it. */
export function ratioLines(rows: readonly Row[]): string[] {
  return rows
    .filter((r) => r.goal)
    .map((r) => {
      const abs = r.baseline
        ? `${fmt(r.value)} vs ${r.baseline.name} ${fmt(r.baseline.value)} ${r.unit}`
        : `${fmt(r.value)} ${r.unit}`;
      const cpu =
        r.cpu?.ratio !== undefined
          ? `; CPU ${fmt(r.cpu.value)} vs ${fmt(r.cpu.baseline)} µs/req = ${fmt(r.cpu.ratio)}`
          : '';
      const load = r.load !== undefined ? `; load ${fmt(r.load)}` : '';
      return `${(r.pass ? 'pass' : 'FAIL').padEnd(5)} ${goalText(r.goal!).padEnd(24)} ${fmt(r.goal!.on === 'ratio' ? r.ratio : r.value).padStart(7)}  ${r.measurement} (${abs}${cpu}${load})`;
    });
}

export function writeResults(
  outDir: string,
  meta: { quick: boolean; suites: string[]; duration: number; rounds: number; scale: number; startedAt: Date },
  suites: Record<string, SuiteResult>,
): { rows: Row[]; header: string } {
  const rows = Object.values(suites).flatMap((s) => s.rows);
  const load = loadavg().map((x) => x.toFixed(2));
  const header =
    `Run ${meta.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC${meta.quick ? ' (--quick)' : ''}, ` +
    `suites ${meta.suites.join(', ')}; Node ${process.version}, ${cpus().length} cores shared by the gateway, ` +
    `PostgreSQL, the baselines and the load generator; ${meta.duration} s per load measurement, ` +
    `${meta.rounds} interleaved rounds (ratios are medians of per-round ratios); load average at the end ${load.join(' ')}.`;
  mkdirSync(outDir, { recursive: true });
  const json = { ...meta, node: process.version, cores: cpus().length, loadavg: loadavg(), rows, suites };
  writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(outDir, 'latest.md'), markdown(rows, header));
  writeFileSync(join(outDir, 'latest.svg'), svgChart(rows, header));
  return { rows, header };
}

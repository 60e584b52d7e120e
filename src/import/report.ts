// What an import did or would do, step by step, in numbers that add up: every Torale row is
// new, already there (identical), updated (only when forced), merged into a gateway user with
// the same Clerk id, or not carried (with its reason). The text form is what the CLI prints.

export interface Reason {
  reason: string;
  count: number;
  /** A few Torale ids, to look at. */
  examples: string[];
}

export interface Conflict {
  step: string;
  key: string;
  columns: string[];
}

export interface StepReport {
  name: string;
  /** Torale rows this step read. */
  source: number;
  new: number;
  same: number;
  updated: number;
  /** Differing rows found by a dry run (a real run refuses on them unless forced). */
  differing: number;
  merged: number;
  notCarried: Reason[];
  /** Carried, with a change on the way (the reason says which). */
  converted: Reason[];
  /** Carried rows the gateway holds afterwards (checked by key; 0 in a dry run). */
  present: number;
  seconds: number;
}

export interface ImportReport {
  mode: 'import' | 'dry-run' | 'refused';
  source: { database: string; revision: string };
  steps: StepReport[];
  /** Rows the gateway holds with other data under a Torale id (up to 100 listed). */
  conflicts: Conflict[];
  conflictCount: number;
  links: { forks: number; lastExecutions: number; scheduled: number };
  seconds: number;
  rows: number;
  rowsPerSecond: number;
  /** Time the tasks step would take for 1,000,000 tasks, and the whole import scaled to 1M tasks. */
  millionTasks: { tasksStepSeconds: number | null; wholeImportSeconds: number | null };
}

export class Tally {
  readonly #by = new Map<string, Reason>();
  add(reason: string, id: string): void {
    const r = this.#by.get(reason) ?? { reason, count: 0, examples: [] };
    r.count++;
    if (r.examples.length < 5) r.examples.push(id);
    this.#by.set(reason, r);
  }
  get total(): number {
    let n = 0;
    for (const r of this.#by.values()) n += r.count;
    return n;
  }
  list(): Reason[] {
    return [...this.#by.values()].sort((a, b) => b.count - a.count);
  }
}

export const notCarriedCount = (s: StepReport) => s.notCarried.reduce((n, r) => n + r.count, 0);

/** Torale rows = new + same + updated + merged + not carried (+ differing in a dry run). */
export function accounted(s: StepReport): boolean {
  return s.source === s.new + s.same + s.updated + s.differing + s.merged + notCarriedCount(s);
}

/** In a real import, every carried row is in the gateway afterwards. */
export function verified(s: StepReport, mode: ImportReport['mode']): boolean {
  return mode !== 'import' || s.present === s.new + s.same + s.updated;
}

const n = (x: number) => x.toLocaleString('en-US');
const pad = (s: string, w: number) => s.padEnd(w);
const lpad = (s: string, w: number) => s.padStart(w);

export function formatReport(r: ImportReport): string {
  const out: string[] = [];
  const title = { import: 'Import from Torale', 'dry-run': 'Dry run (nothing written)', refused: 'Import refused' }[
    r.mode
  ];
  out.push(`${title}: ${r.source.database} (alembic ${r.source.revision})`, '');
  const head = ['step', 'Torale', 'new', 'same', 'updated', 'differ', 'merged', 'not carried', 'in gateway', 'check'];
  const widths = [20, 10, 10, 10, 8, 8, 7, 12, 11, 6];
  out.push(head.map((h, i) => (i === 0 ? pad(h, widths[i] as number) : lpad(h, widths[i] as number))).join(' '));
  for (const s of r.steps) {
    const ok = accounted(s) && verified(s, r.mode);
    const cells = [
      s.name,
      n(s.source),
      n(s.new),
      n(s.same),
      n(s.updated),
      n(s.differing),
      n(s.merged),
      n(notCarriedCount(s)),
      r.mode === 'import' ? n(s.present) : '-',
      ok ? 'ok' : 'MISMATCH',
    ];
    out.push(cells.map((c, i) => (i === 0 ? pad(c, widths[i] as number) : lpad(c, widths[i] as number))).join(' '));
  }
  const reasons = (label: string, pick: (s: StepReport) => Reason[]) => {
    const lines = r.steps.flatMap((s) =>
      pick(s).map((x) => `  ${s.name}: ${n(x.count)} × ${x.reason} (e.g. ${x.examples.join(', ')})`),
    );
    if (lines.length) out.push('', label, ...lines);
  };
  reasons('Not carried over:', (s) => s.notCarried);
  reasons('Carried with a change:', (s) => s.converted);
  if (r.conflictCount > 0) {
    out.push('', `Rows the gateway already holds with other data: ${n(r.conflictCount)}`);
    for (const c of r.conflicts.slice(0, 20)) out.push(`  ${c.step} ${c.key}: ${c.columns.join(', ')}`);
    if (r.mode === 'refused')
      out.push('  Nothing was written. Run again with --force to overwrite them with Torale’s data.');
  }
  out.push(
    '',
    `Links: ${n(r.links.forks)} fork parents and ${n(r.links.lastExecutions)} last executions set; ${n(r.links.scheduled)} active tasks scheduled at their next_run.`,
    `${n(r.rows)} rows in ${r.seconds.toFixed(1)} s: ${n(Math.round(r.rowsPerSecond))} rows/s.`,
  );
  const m = r.millionTasks;
  if (m.tasksStepSeconds !== null && m.wholeImportSeconds !== null) {
    out.push(
      `1,000,000 tasks at this rate: the tasks step ${m.tasksStepSeconds.toFixed(0)} s; the whole import, scaled by task count, ${m.wholeImportSeconds.toFixed(0)} s (${(m.wholeImportSeconds / 60).toFixed(1)} min).`,
    );
  }
  return out.join('\n');
}

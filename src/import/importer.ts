// Import from Torale (issue 29), as a library call — `npm run import:torale` is a thin CLI
// over it (src/cli/import-torale.ts). See src/import/README.md for what is carried and how.
//
//   const report = await importFromTorale({ from: 'postgres://…/torale', db, dryRun: false });
//
// Order: check Torale's schema revision and columns; find Torale users the gateway already
// knows by Clerk id (their gateway id is kept); unless a dry run, look for gateway rows that
// hold other data under Torale's ids and refuse (nothing written) unless forced; then each
// step in foreign-key order; then fork parents, last executions and schedules. Running it
// again changes nothing; a killed run, run again, completes without duplicates.
import type { Kysely } from 'kysely';
import type { DB } from '../db/types.js';
import type { ConvertContext } from './convert.js';
import { CONNECTORS_STEP, importTemplates, WAITLIST_STEP } from './extra-steps.js';
import { gatewayColumns, scheduleImported, setTaskLinks, usersByClerkIds } from './import.repository.js';
import type { Conflict, ImportReport, StepReport } from './report.js';
import { type StepEnv, StepRunner } from './step-runner.js';
import { STEPS, type Step } from './steps.js';
import { TORALE_REVISION } from './torale.types.js';
import { openToraleSource, type ToraleSource } from './torale-source.repository.js';

export interface ImportOptions {
  /** Torale's DATABASE_URL (read only). */
  from: string;
  /** The gateway's database, migrated to the latest schema. */
  db: Kysely<DB>;
  /** Compare and report; write nothing. */
  dryRun?: boolean;
  /** Overwrite gateway rows that hold other data under Torale's ids. */
  force?: boolean;
  /** Rows per statement (default 1,000). */
  batchSize?: number;
  /** Read a database at another alembic revision anyway (its columns are still checked). */
  anyRevision?: boolean;
  onProgress?(step: string, done: number, total: number): void;
}

export class ImportError extends Error {}

const ALL_STEPS: readonly Step[] = [...STEPS, WAITLIST_STEP, CONNECTORS_STEP];

async function checkSource(source: ToraleSource, anyRevision: boolean): Promise<string> {
  const revision = await source.revision();
  if (revision === null) {
    throw new ImportError(`${source.label} has no alembic_version table: it is not a Torale database`);
  }
  if (revision !== TORALE_REVISION && !anyRevision) {
    throw new ImportError(
      `${source.label} is at alembic revision ${revision}; this importer reads ${TORALE_REVISION} (Torale's head at d64cd83). Bring it there with Torale's \`alembic upgrade head\`, or pass --any-revision to try anyway.`,
    );
  }
  const columns = await source.columns();
  const missing: string[] = [];
  for (const step of [...STEPS, WAITLIST_STEP]) {
    for (const c of step.source.columns) {
      if (c.includes('(')) continue;
      if (!columns.get(step.source.table)?.has(c)) missing.push(`${step.source.table}.${c}`);
    }
  }
  if (missing.length) throw new ImportError(`${source.label} lacks columns the importer reads: ${missing.join(', ')}`);
  return revision;
}

/** Torale users whose Clerk id the gateway already holds under another id: Torale id → gateway id. */
async function knownUsers(source: ToraleSource, db: Kysely<DB>, batchSize: number): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  let after: string | null = null;
  for (;;) {
    const rows: { id: string; clerk_user_id: string }[] = await source.batch(
      { table: 'users', columns: ['id', 'clerk_user_id'] },
      after,
      batchSize * 5,
    );
    if (rows.length === 0) return map;
    after = rows[rows.length - 1]?.id as string;
    const byClerk = new Map(rows.map((r) => [r.clerk_user_id, r.id]));
    for (const g of await usersByClerkIds(db, [...byClerk.keys()])) {
      const toraleId = byClerk.get(g.clerk_user_id) as string;
      if (g.id !== toraleId) map.set(toraleId, g.id);
    }
  }
}

/** Fork parents and last executions, once every task and execution is in; then schedules. */
async function linkAndSchedule(env: StepEnv, report: ImportReport): Promise<void> {
  const { source, db, ctx, batchSize, dryRun } = env;
  const q = {
    table: 'tasks',
    columns: ['id', 'state', 'forked_from_task_id', 'last_execution_id'],
  };
  let after: string | null = null;
  for (;;) {
    const rows: { id: string; state: string; forked_from_task_id: string | null; last_execution_id: string | null }[] =
      await source.batch(q, after, batchSize * 5);
    if (rows.length === 0) return;
    after = rows[rows.length - 1]?.id as string;
    const carried = rows.filter((r) => !ctx.skipped.tasks.has(r.id));
    const links = carried
      .map((r) => ({
        id: r.id,
        forked_from_task_id:
          r.forked_from_task_id && !ctx.skipped.tasks.has(r.forked_from_task_id) ? r.forked_from_task_id : null,
        last_execution_id:
          r.last_execution_id && !ctx.skipped.executions.has(r.last_execution_id) ? r.last_execution_id : null,
      }))
      .filter((l) => l.forked_from_task_id || l.last_execution_id);
    report.links.forks += links.filter((l) => l.forked_from_task_id).length;
    report.links.lastExecutions += links.filter((l) => l.last_execution_id).length;
    const active = carried.filter((r) => r.state === 'active').map((r) => r.id);
    if (dryRun) {
      report.links.scheduled += active.length;
      continue;
    }
    await setTaskLinks(db, links);
    report.links.scheduled += await scheduleImported(db, active);
  }
}

export async function importFromTorale(opts: ImportOptions): Promise<ImportReport> {
  const started = performance.now();
  const batchSize = opts.batchSize ?? 1000;
  const source = await openToraleSource(opts.from);
  try {
    const revision = await checkSource(source, opts.anyRevision ?? false);
    const gateway = await gatewayColumns(opts.db);
    const mapped = await knownUsers(source, opts.db, batchSize);
    const ctx: ConvertContext = {
      userId: (id) => mapped.get(id) ?? id,
      skipped: { users: new Set(), tasks: new Set(), executions: new Set() },
    };
    const env: StepEnv = {
      source,
      db: opts.db,
      gateway,
      ctx,
      batchSize,
      dryRun: opts.dryRun ?? false,
      force: opts.force ?? false,
      progress: opts.onProgress ?? (() => {}),
    };
    const report: ImportReport = {
      mode: env.dryRun ? 'dry-run' : 'import',
      source: { database: source.label, revision },
      steps: [],
      conflicts: [],
      conflictCount: 0,
      links: { forks: 0, lastExecutions: 0, scheduled: 0 },
      seconds: 0,
      rows: 0,
      rowsPerSecond: 0,
      millionTasks: { tasksStepSeconds: null, wholeImportSeconds: null },
    };
    if (!env.dryRun) {
      // Nothing is written while the gateway holds other data under Torale's ids (unless forced).
      const conflicts: Conflict[] = [];
      for (const step of ALL_STEPS) report.conflictCount += await new StepRunner(step, env).preflight(conflicts);
      const templates = await importTemplates(source, opts.db, { dryRun: true, force: false, conflicts });
      report.conflictCount += templates.differing;
      report.conflicts = conflicts.slice(0, 100);
      if (report.conflictCount > 0 && !env.force) {
        report.mode = 'refused';
        return finish(report, started);
      }
    }
    for (const step of ALL_STEPS) {
      const runner = new StepRunner(step, env);
      report.steps.push(await runner.run());
      if (step.name === 'webhook deliveries') {
        report.steps.push(await importTemplates(source, opts.db, { ...env, conflicts: report.conflicts }));
      }
    }
    if (env.dryRun) report.conflictCount = report.steps.reduce((n, s) => n + s.differing, 0);
    await linkAndSchedule(env, report);
    return finish(report, started);
  } finally {
    await source.close();
  }
}

function finish(report: ImportReport, started: number): ImportReport {
  report.seconds = (performance.now() - started) / 1000;
  report.rows = report.steps.reduce((n, s: StepReport) => n + s.source, 0);
  report.rowsPerSecond = report.seconds > 0 ? report.rows / report.seconds : 0;
  const tasks = report.steps.find((s) => s.name === 'tasks');
  if (tasks && tasks.source > 0 && tasks.seconds > 0) {
    report.millionTasks = {
      tasksStepSeconds: (tasks.seconds / tasks.source) * 1_000_000,
      wholeImportSeconds: (report.seconds / tasks.source) * 1_000_000,
    };
  }
  return report;
}

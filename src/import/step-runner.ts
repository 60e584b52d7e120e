// Runs one step: Torale rows in key order, a batch at a time, converted and written (or, in a
// dry run, compared). A batch is one statement; when the gateway refuses it (a unique or
// foreign key the row breaks), its rows are written one at a time so only the rows at fault
// stay behind, each with its reason. The preflight looks only at Torale keys the gateway
// already holds, so a fresh import reads each row once.
import type { Kysely } from 'kysely';
import type { DB } from '../db/types.js';
import type { ConvertContext, Converted } from './convert.js';
import { differences, existingKeys, insertRows, type Row } from './import.repository.js';
import { type Conflict, type StepReport, Tally } from './report.js';
import type { Step } from './steps.js';
import type { ToraleSource } from './torale-source.repository.js';

export interface StepEnv {
  source: ToraleSource;
  db: Kysely<DB>;
  gateway: Map<string, Set<string>>;
  ctx: ConvertContext;
  batchSize: number;
  dryRun: boolean;
  force: boolean;
  progress(step: string, done: number, total: number): void;
}

const CONSTRAINT_REASONS: Record<string, string> = {
  users_username_key: 'username taken by another gateway user',
  users_clerk_user_id_key: 'a gateway user has this Clerk id',
  api_keys_key_prefix_key: 'another gateway key has the same key_prefix',
  api_keys_one_active_per_user: 'the user already has an active gateway key',
  tasks_user_id_name_key: 'the user already has a gateway task with this name',
};

/** The Postgres error of a row the gateway refuses (constraint), or undefined for anything else. */
function refusal(e: unknown): { code: string; constraint: string } | undefined {
  const err = e as { code?: string; constraint?: string };
  if (err?.code === '23505' || err?.code === '23503' || err?.code === '23514') {
    return { code: err.code, constraint: err.constraint ?? 'unknown' };
  }
  return undefined;
}

function reasonOf(r: { code: string; constraint: string }): string {
  if (CONSTRAINT_REASONS[r.constraint]) return CONSTRAINT_REASONS[r.constraint] as string;
  if (r.code === '23503') return `a row it refers to is not in the gateway (${r.constraint})`;
  return `the gateway refuses it (${r.constraint})`;
}

export function emptyReport(name: string): StepReport {
  return {
    name,
    source: 0,
    new: 0,
    same: 0,
    updated: 0,
    differing: 0,
    merged: 0,
    notCarried: [],
    converted: [],
    present: 0,
    seconds: 0,
  };
}

interface Batch {
  rows: Row[];
  /** The secondary row of each row (aligned with rows), if any. */
  secondary: (Row | undefined)[];
  /** Torale key of each carried row, by gateway key. */
  keys: string[];
}

export class StepRunner {
  readonly #notCarried = new Tally();
  readonly #converted = new Tally();
  readonly report: StepReport;

  constructor(
    private readonly step: Step,
    private readonly env: StepEnv,
  ) {
    this.report = emptyReport(step.name);
  }

  /** Gateway rows under this step's keys whose data differs from Torale's (read only). */
  async preflight(conflicts: Conflict[]): Promise<number> {
    const { step, env } = this;
    if (step.unavailable?.(env.gateway)) return 0;
    const key = step.source.key ?? 'id';
    let after: string | null = null;
    let found = 0;
    for (;;) {
      const keys = await env.source.keys(step.source, after, env.batchSize * 5);
      if (keys.length === 0) return found;
      after = keys[keys.length - 1] as string;
      const targetKeys = keys.map((k) => step.targetKey?.(k, env.ctx) ?? k);
      const held = new Set(await existingKeys(env.db, step.target.table, step.target.key, targetKeys));
      if (held.size === 0) continue;
      const rows = await env.source.byKeys<Record<string, unknown>>(
        step.source,
        keys.filter((_, i) => held.has(targetKeys[i] as string)),
      );
      const batch = this.#convert(rows, key, false);
      const diffs = await differences(env.db, step.target.table, step.target.key, this.#compared(batch), batch.rows);
      for (const [k, columns] of diffs) {
        if (columns.length === 0) continue;
        found++;
        if (conflicts.length < 100) conflicts.push({ step: step.name, key: k, columns });
      }
    }
  }

  async run(): Promise<StepReport> {
    const { step, env, report } = this;
    const started = performance.now();
    const total = await env.source.count(step.source.table, step.source.where);
    const unavailable = step.unavailable?.(env.gateway);
    if (unavailable) {
      report.source = total;
      if (total > 0) report.notCarried = [{ reason: unavailable, count: total, examples: [] }];
      return report;
    }
    const key = step.source.key ?? 'id';
    let after: string | null = null;
    env.progress(step.name, 0, total);
    for (;;) {
      const rows: Record<string, unknown>[] = await env.source.batch(step.source, after, env.batchSize);
      if (rows.length === 0) break;
      after = String(rows[rows.length - 1]?.[key]);
      report.source += rows.length;
      const batch = this.#convert(rows, key, true);
      if (env.dryRun) await this.#compare(batch);
      else await this.#write(batch);
      env.progress(step.name, report.source, Math.max(total, report.source));
    }
    report.notCarried = this.#notCarried.list();
    report.converted = this.#converted.list();
    report.seconds = (performance.now() - started) / 1000;
    return report;
  }

  #convert(rows: Record<string, unknown>[], key: string, tally: boolean): Batch {
    const { step, env } = this;
    const batch: Batch = { rows: [], secondary: [], keys: [] };
    const columns = env.gateway.get(step.target.table) ?? new Set<string>();
    for (const r of rows) {
      const id = String(r[key]);
      const c: Converted = step.convert(r as never, env.ctx);
      if ('skip' in c) {
        if (tally) this.#notCarried.add(c.skip, id);
        if (step.remember) env.ctx.skipped[step.remember].add(id);
        continue;
      }
      if ('merged' in c) {
        if (tally) this.report.merged++;
        continue;
      }
      const row: Row = {};
      for (const [col, value] of Object.entries(c.row)) {
        if (columns.has(col)) row[col] = value;
        else if (tally && value !== null && !(Array.isArray(value) && value.length === 0)) {
          this.#converted.add(`${col} not carried: the gateway has no ${step.target.table}.${col} yet`, id);
        }
      }
      if (tally) for (const note of c.notes ?? []) this.#converted.add(note, id);
      batch.rows.push(row);
      batch.keys.push(id);
      batch.secondary.push(c.secondary);
    }
    return batch;
  }

  #compared(batch: Batch): string[] {
    const first = batch.rows[0];
    if (!first) return [];
    return Object.keys(first).filter((c) => c !== this.step.target.key && !this.step.notCompared?.includes(c));
  }

  async #compare(batch: Batch): Promise<void> {
    const { step, env, report } = this;
    const diffs = await differences(env.db, step.target.table, step.target.key, this.#compared(batch), batch.rows);
    for (const row of batch.rows) {
      const d = diffs.get(String(row[step.target.key]));
      if (!d) report.new++;
      else if (d.length === 0) report.same++;
      else report.differing++;
    }
  }

  async #write(batch: Batch): Promise<void> {
    const { step, env, report } = this;
    if (batch.rows.length === 0) return;
    const columns = Object.keys(batch.rows[0] as Row);
    const firstSecondary = batch.secondary.find((r) => r !== undefined);
    const secondaryColumns = firstSecondary ? Object.keys(firstSecondary) : [];
    const present = (rows: (Row | undefined)[]) => rows.filter((r): r is Row => r !== undefined);
    const writeAll = (rows: Row[], secondary: Row[]) =>
      env.db.transaction().execute(async (trx) => {
        const done = await insertRows(trx, step.target.table, step.target.key, columns, rows, env.force);
        if (step.secondary && secondary.length > 0) {
          await insertRows(trx, step.secondary.table, step.secondary.key, secondaryColumns, secondary, env.force);
        }
        return done;
      });
    const count = (done: { inserted: string[]; updated: string[] }, n: number) => {
      report.new += done.inserted.length;
      report.updated += done.updated.length;
      report.same += n - done.inserted.length - done.updated.length;
    };
    let carried = batch.rows;
    try {
      count(await writeAll(batch.rows, present(batch.secondary)), batch.rows.length);
    } catch (e) {
      if (!refusal(e)) throw e;
      carried = [];
      // One at a time: only the rows at fault stay behind.
      for (let i = 0; i < batch.rows.length; i++) {
        const row = batch.rows[i] as Row;
        const secondary = present([batch.secondary[i]]);
        try {
          count(await writeAll([row], secondary), 1);
          carried.push(row);
        } catch (err) {
          const why = refusal(err);
          if (!why) throw err;
          if (why.constraint === 'users_username_key' && row.username) {
            // The user comes without the username rather than not at all.
            count(await writeAll([{ ...row, username: null }], secondary), 1);
            this.#converted.add('username taken by another gateway user: left unset', batch.keys[i] as string);
            carried.push(row);
            continue;
          }
          this.#notCarried.add(reasonOf(why), batch.keys[i] as string);
          if (step.remember) env.ctx.skipped[step.remember].add(batch.keys[i] as string);
        }
      }
    }
    const keys = carried.map((r) => String(r[step.target.key]));
    report.present += (await existingKeys(env.db, step.target.table, step.target.key, keys)).length;
  }
}

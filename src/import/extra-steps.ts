// Steps beside the main chain: templates (matched by name — both sides seeded their own ids),
// the waitlist (Torale's rows as they are, under Torale's ids) and Torale tables the gateway
// has no place for, reported with their reason.
import type { Kysely } from 'kysely';
import type { DB } from '../db/types.js';
import { allRows, insertRows, type Row } from './import.repository.js';
import type { Conflict, StepReport } from './report.js';
import { emptyReport } from './step-runner.js';
import type { Step } from './steps.js';
import type { ToraleTemplate, ToraleWaitlistEntry } from './torale.types.js';
import type { ToraleSource } from './torale-source.repository.js';

const TEMPLATE_FIELDS = ['description', 'category', 'icon', 'search_query', 'condition_description', 'is_active'];

export const WAITLIST_STEP: Step = {
  name: 'waitlist',
  source: { table: 'waitlist', columns: ['id', 'email', 'status', 'invited_at', 'notes', 'created_at'] },
  target: { table: 'waitlist', key: 'id' },
  // Torale stores addresses in lower case, as the gateway does (one entry per address in any case).
  convert: ((w: ToraleWaitlistEntry) => ({ row: { ...w, email: w.email.toLowerCase() } })) as Step['convert'],
};

export const CONNECTORS_STEP: Step = {
  name: 'connectors',
  source: { table: 'user_connectors', columns: ['id'] },
  target: { table: 'user_connectors', key: 'id' },
  unavailable: () => 'Composio connections stay with Torale: the gateway has no connectors',
  convert: () => ({ skip: 'not carried' }),
};

/**
 * Templates by name: one the gateway has with the same content is the same template; one it
 * has with other content is a conflict (forced: Torale's content wins); others are added
 * under Torale's id.
 */
export async function importTemplates(
  source: ToraleSource,
  db: Kysely<DB>,
  opts: { dryRun: boolean; force: boolean; conflicts?: Conflict[] },
): Promise<StepReport> {
  const report = emptyReport('templates');
  const started = performance.now();
  const torale = await source.batch<ToraleTemplate>(
    {
      table: 'task_templates',
      columns: ['id', 'name', 'created_at', 'updated_at', ...TEMPLATE_FIELDS],
    },
    null,
    100_000,
  );
  const ours = new Map(
    (await allRows(db, 'task_templates', ['id', 'name', ...TEMPLATE_FIELDS])).map((r) => [String(r.name), r]),
  );
  const toInsert: Row[] = [];
  const toUpdate: Row[] = [];
  for (const t of torale) {
    report.source++;
    const mine = ours.get(t.name);
    if (!mine) {
      toInsert.push({ ...t });
      continue;
    }
    const differs = TEMPLATE_FIELDS.filter((f) => (mine[f] ?? null) !== ((t as unknown as Row)[f] ?? null));
    if (differs.length === 0) report.same++;
    else if (opts.force) toUpdate.push({ ...t, id: mine.id });
    else {
      report.differing++;
      opts.conflicts?.push({ step: 'templates', key: String(mine.id), columns: differs });
    }
  }
  if (opts.dryRun) report.new = toInsert.length;
  else {
    const columns = ['id', 'name', 'created_at', 'updated_at', ...TEMPLATE_FIELDS];
    const done = await insertRows(db, 'task_templates', 'id', columns, toInsert, false);
    report.new = done.inserted.length;
    report.same += toInsert.length - done.inserted.length;
    const updated = await insertRows(db, 'task_templates', 'id', ['id', ...TEMPLATE_FIELDS], toUpdate, true);
    report.updated = updated.updated.length;
    report.same += toUpdate.length - updated.updated.length;
    report.present = report.new + report.same + report.updated;
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

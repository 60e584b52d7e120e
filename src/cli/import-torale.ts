// `npm run import:torale -- --from <Torale DATABASE_URL> [--dry-run] [--force] [--batch-size N]
//  [--json <file>] [--any-revision]`: imports a Torale database into the gateway's database
// (DATABASE_URL, migrated first). Prints a progress bar on stderr and the report on stdout.
// Exit codes: 0 done, 1 failed, 2 bad arguments, 3 refused (the gateway holds other data under
// Torale's ids: nothing was written; --force overwrites), 4 the counts do not add up.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { ImportError, importFromTorale } from '../import/importer.js';
import { progressBar } from '../import/progress.js';
import { accounted, formatReport, verified } from '../import/report.js';
import { createLogger } from '../lib/logger.js';

const USAGE =
  'usage: npm run import:torale -- --from <Torale DATABASE_URL> [--dry-run] [--force] [--batch-size N] [--json <file>] [--any-revision]';

function args() {
  try {
    const { values } = parseArgs({
      options: {
        from: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        force: { type: 'boolean', default: false },
        'batch-size': { type: 'string', default: '1000' },
        json: { type: 'string' },
        'any-revision': { type: 'boolean', default: false },
      },
      strict: true,
    });
    const batchSize = Number(values['batch-size']);
    if (!values.from) throw new Error('--from is required');
    if (!/^postgres(ql)?:\/\//.test(values.from)) throw new Error('--from must be a postgres:// URL');
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 50_000) {
      throw new Error('--batch-size must be a whole number from 1 to 50000');
    }
    return { ...values, from: values.from, batchSize };
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

const opts = args();
const config = loadConfig();
if (!config.database.url) {
  console.error('DATABASE_URL is not set: the import writes into the gateway’s PostgreSQL database.');
  process.exit(2);
}
const logger = createLogger('warn');
const database = await openDatabase({ ...config.database, statementTimeoutMs: 600_000, logger });
const bar = progressBar();
try {
  const applied = await migrateToLatest(database.db);
  if (applied.length) console.error(`gateway schema migrated: ${applied.join(', ')}`);
  const report = await importFromTorale({
    from: opts.from,
    db: database.db,
    dryRun: opts['dry-run'],
    force: opts.force,
    batchSize: opts.batchSize,
    anyRevision: opts['any-revision'],
    onProgress: (step, done, total) => bar.update(step, done, total),
  });
  bar.done();
  console.log(formatReport(report));
  if (opts.json) writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
  if (report.mode === 'refused') process.exitCode = 3;
  else if (!report.steps.every((s) => accounted(s) && verified(s, report.mode))) process.exitCode = 4;
} catch (err) {
  bar.done();
  console.error(err instanceof ImportError ? err.message : (err as Error).stack);
  process.exitCode = 1;
} finally {
  await database.close();
}

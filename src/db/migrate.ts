// Applies pending migrations. Kysely's migrator takes a transaction-scoped PostgreSQL
// advisory lock (pg_advisory_xact_lock) and runs all pending migrations in that one
// transaction, so gateway instances starting together apply each migration exactly once.
import { type Kysely, type MigrationResultSet, Migrator } from 'kysely';
import { migrations } from '../../migrations/index.js';
import type { DB } from './types.js';

export async function migrateToLatest(db: Kysely<DB>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    // Features land in parallel, each naming its migrations by its own number block, so one
    // may land after a higher-numbered one a database has already run (2026_12_08_1810 after
    // 1820): it is applied then, instead of the migrator refusing to start.
    allowUnorderedMigrations: true,
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const cause = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${cause}`, { cause: result.error });
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

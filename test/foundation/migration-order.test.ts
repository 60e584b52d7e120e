// Helpers number their migrations by block and land them in any order: a migration that lands
// after a higher-numbered one a database has already run is applied, not refused (as kysely's
// migrator does by default: "corrupted migrations").
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb?.drop();
});

it('applies a migration that sorts before ones already run (1810 after 1820 and 1821)', async () => {
  const db = tdb.database.db;
  // As a database that ran main before the admin audit log landed: the later ones ran, 1810 did not.
  await migrations['2026_12_08_1810_admin_audit_log']!.down!(db);
  await sql`delete from kysely_migration where name = '2026_12_08_1810_admin_audit_log'`.execute(db);
  expect(await migrateToLatest(db)).toEqual(['2026_12_08_1810_admin_audit_log']);
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from admin_audit_log`.execute(db);
  expect(rows[0]?.n).toBe(0);
});

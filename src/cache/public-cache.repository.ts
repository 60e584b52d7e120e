// Where the public generation stands (migration 2026_12_08_1830_public_cache).
import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/types.js';

/** The database's epoch and the last generation handed out (0 before the first change). */
export async function readPublicGeneration(db: Kysely<DB>): Promise<{ epoch: string; generation: number } | undefined> {
  const { rows } = await sql<{ epoch: string; last_value: string; is_called: boolean }>`
    select (select epoch from public_cache_epoch limit 1) as epoch, last_value, is_called
    from torale_public_generation`.execute(db);
  const row = rows[0];
  return row && { epoch: row.epoch, generation: row.is_called ? Number(row.last_value) : 0 };
}

// SQL for Idempotency-Keys of REST creations, nothing else. A key is remembered for
// IDEMPOTENCY_KEY_TTL_HOURS; after that it may be used again (and the cleanup job deletes it).
import { sql, type Transaction } from 'kysely';
import type { DB, Db } from '../db/types.js';

export const IDEMPOTENCY_KEY_TTL_HOURS = 24;

/**
 * Claims an Idempotency-Key inside the caller's transaction. Returns undefined when this
 * request owns it now (new, or the earlier claim has expired), else the earlier claim.
 */
export async function claimIdempotencyKey(
  trx: Transaction<DB>,
  userId: string,
  key: string,
  requestHash: string,
): Promise<{ request_hash: string; resource_id: string | null } | undefined> {
  const claimed = await trx
    .insertInto('idempotency_keys')
    .values({ user_id: userId, key, request_hash: requestHash })
    .onConflict((oc) =>
      oc
        .columns(['user_id', 'key'])
        .doUpdateSet({ request_hash: requestHash, resource_id: null, created_at: sql<Date>`now()` })
        .where(
          'idempotency_keys.created_at',
          '<',
          sql<Date>`now() - make_interval(hours => ${IDEMPOTENCY_KEY_TTL_HOURS})`,
        ),
    )
    .returning('key')
    .executeTakeFirst();
  if (claimed) return undefined;
  return trx
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'resource_id'])
    .where('user_id', '=', userId)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
}

export async function completeIdempotencyKey(trx: Transaction<DB>, userId: string, key: string, resourceId: string) {
  await trx
    .updateTable('idempotency_keys')
    .set({ resource_id: resourceId })
    .where('user_id', '=', userId)
    .where('key', '=', key)
    .execute();
}

export async function deleteExpiredIdempotencyKeys(db: Db): Promise<number> {
  const r = await db
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', sql<Date>`now() - make_interval(hours => ${IDEMPOTENCY_KEY_TTL_HOURS})`)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

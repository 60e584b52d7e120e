// SQL for Idempotency-Keys of REST creations, nothing else.
import type { Transaction } from 'kysely';
import type { DB } from '../db/types.js';

/**
 * Claims an Idempotency-Key inside the caller's transaction. Returns undefined when this
 * request owns it now, else the earlier claim (its request hash and what it created).
 */
export async function claimIdempotencyKey(
  trx: Transaction<DB>,
  userId: string,
  key: string,
  requestHash: string,
): Promise<{ request_hash: string; resource_id: string | null } | undefined> {
  const inserted = await trx
    .insertInto('idempotency_keys')
    .values({ user_id: userId, key, request_hash: requestHash })
    .onConflict((oc) => oc.doNothing())
    .returning('key')
    .executeTakeFirst();
  if (inserted) return undefined;
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

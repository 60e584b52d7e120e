// SQL for the security log (security_events), nothing else.
import { type Kysely, sql } from 'kysely';
import type { DB, Db, SecurityEventRow } from '../db/types.js';

export interface NewSecurityEvent {
  userId: string;
  type: string;
  ip?: string | null;
  userAgent?: string | null;
  apiKeyId?: string | null;
  keyPrefix?: string | null;
  detail?: string | null;
  /** At most one event ever carries this key (first use from an address, failures per minute). */
  once?: string;
}

const COLUMNS = [
  'id',
  'seq',
  'user_id',
  'type',
  'created_at',
  'ip',
  'user_agent',
  'api_key_id',
  'key_prefix',
  'detail',
] as const;

/** Inserts the event; false when an event with the same `once` key exists already. */
export async function insertSecurityEvent(db: Db, e: NewSecurityEvent): Promise<boolean> {
  const rows = await db
    .insertInto('security_events')
    .values({
      user_id: e.userId,
      type: e.type,
      ip: e.ip ?? null,
      user_agent: e.userAgent ?? null,
      api_key_id: e.apiKeyId ?? null,
      key_prefix: e.keyPrefix ?? null,
      detail: e.detail ?? null,
      dedupe_key: e.once ?? null,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('id')
    .execute();
  return rows.length > 0;
}

/** Newest first (insertion order), keyset-paged after the event numbered `afterSeq`. */
export async function listSecurityEvents(
  db: Kysely<DB>,
  userId: string,
  limit: number,
  afterSeq?: string,
): Promise<SecurityEventRow[]> {
  let q = db.selectFrom('security_events').select(COLUMNS).where('user_id', '=', userId);
  if (afterSeq !== undefined) q = q.where('seq', '<', sql<string>`${afterSeq}::bigint`);
  return q.orderBy('seq', 'desc').limit(limit).execute();
}

/** Retention: forgets events (and webhook receipts) older than `days`. */
export async function deleteOldSecurityEvents(db: Kysely<DB>, days: number): Promise<number> {
  const cutoff = sql<Date>`now() - make_interval(days => ${days})`;
  const events = await db.deleteFrom('security_events').where('created_at', '<', cutoff).executeTakeFirst();
  const receipts = await db.deleteFrom('clerk_webhook_receipts').where('received_at', '<', cutoff).executeTakeFirst();
  return Number(events.numDeletedRows) + Number(receipts.numDeletedRows);
}

/** Marks a Svix message as applied; false when it was applied before (a replay). */
export async function claimWebhookReceipt(db: Db, svixId: string, type: string): Promise<boolean> {
  const rows = await db
    .insertInto('clerk_webhook_receipts')
    .values({ svix_id: svixId, type })
    .onConflict((oc) => oc.column('svix_id').doNothing())
    .returning('svix_id')
    .execute();
  return rows.length > 0;
}

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
  /** At most this many events of this type for this key within a day (the rest are not stored). */
  capPerKeyPerDay?: number;
}

/** What a caller may have chosen (a User-Agent) is kept to this many characters. */
export const MAX_USER_AGENT = 500;

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

/**
 * Inserts the event; false when an event with the same `once` key exists already, or when
 * the key's events of this type in the last day reached `capPerKeyPerDay`.
 */
export async function insertSecurityEvent(db: Db, e: NewSecurityEvent): Promise<boolean> {
  const values = {
    user_id: e.userId,
    type: e.type,
    ip: e.ip ?? null,
    user_agent: e.userAgent?.slice(0, MAX_USER_AGENT) ?? null,
    api_key_id: e.apiKeyId ?? null,
    key_prefix: e.keyPrefix ?? null,
    detail: e.detail ?? null,
    dedupe_key: e.once ?? null,
  };
  if (e.capPerKeyPerDay !== undefined && e.apiKeyId) {
    const v = values;
    const capped = await sql<{ id: string }>`insert into security_events
        (user_id, type, ip, user_agent, api_key_id, key_prefix, detail, dedupe_key)
      select ${v.user_id}::uuid, ${v.type}, ${v.ip}, ${v.user_agent}, ${v.api_key_id}::uuid, ${v.key_prefix},
        ${v.detail}, ${v.dedupe_key}
      where (select count(*) from security_events
             where api_key_id = ${v.api_key_id}::uuid and type = ${v.type}
               and created_at > now() - interval '1 day') < ${e.capPerKeyPerDay}
      on conflict (dedupe_key) do nothing
      returning id`.execute(db);
    return capped.rows.length > 0;
  }
  const rows = await db
    .insertInto('security_events')
    .values(values)
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

// SQL for the api_keys table, nothing else.
import { type Kysely, sql } from 'kysely';
import { prepared } from '../db/prepared.js';
import type { ApiKeyRow, DB, Db, UserRow } from '../db/types.js';

export interface ApiKeyWithUser {
  key_id: string;
  key_prefix: string;
  key_hash: string;
  key_is_active: boolean;
  last_used_at: Date | null;
  revoked_at: Date | null;
  expires_at: Date | null;
  scopes: string[];
  replaced_by_key_id: string | null;
  user: UserRow;
}

/** The one indexed query an API-key request costs: the key by prefix, joined with its user. */
export function keyWithUserByPrefixQuery(db: Kysely<DB>, keyPrefix: string) {
  return db
    .selectFrom('api_keys as k')
    .innerJoin('users as u', 'u.id', 'k.user_id')
    .select([
      'k.id as key_id',
      'k.key_hash',
      'k.key_prefix',
      'k.is_active as key_is_active',
      'k.last_used_at',
      'k.revoked_at',
      'k.expires_at',
      'k.scopes',
      'k.replaced_by_key_id',
      'u.id',
      'u.clerk_user_id',
      'u.email',
      'u.first_name',
      'u.username',
      'u.is_active',
      'u.has_seen_welcome',
      'u.created_at',
      'u.updated_at',
    ])
    .where('k.key_prefix', '=', keyPrefix);
}

const keyWithUserByPrefix = prepared(keyWithUserByPrefixQuery);

export async function findKeyWithUserByPrefix(db: Kysely<DB>, keyPrefix: string): Promise<ApiKeyWithUser | undefined> {
  const [row] = await keyWithUserByPrefix(db, keyPrefix);
  if (!row) return undefined;
  const {
    key_id,
    key_prefix,
    key_hash,
    key_is_active,
    last_used_at,
    revoked_at,
    expires_at,
    scopes,
    replaced_by_key_id,
    ...user
  } = row;
  return {
    key_id,
    key_prefix,
    key_hash,
    key_is_active,
    last_used_at,
    revoked_at,
    expires_at,
    scopes,
    replaced_by_key_id,
    user,
  };
}

/** Records use at most once a minute per key, whichever instance sees it first. */
export async function touchLastUsed(db: Kysely<DB>, keyId: string): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: sql`now()` })
    .where('id', '=', keyId)
    .where((eb) =>
      eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`now() - interval '1 minute'`)]),
    )
    .execute();
}

export async function insertApiKey(
  db: Db,
  values: {
    id?: string;
    userId: string;
    keyPrefix: string;
    keyHash: string;
    name: string;
    expiresInDays?: number | undefined;
    scopes?: readonly string[] | undefined;
  },
): Promise<ApiKeyRow> {
  return db
    .insertInto('api_keys')
    .values({
      ...(values.id && { id: values.id }),
      user_id: values.userId,
      key_prefix: values.keyPrefix,
      key_hash: values.keyHash,
      name: values.name,
      ...(values.expiresInDays !== undefined && {
        expires_at: sql<Date>`now() + make_interval(days => ${values.expiresInDays})`,
      }),
      ...(values.scopes && { scopes: sql<string[]>`${[...values.scopes]}::text[]` }),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The key that counts for "one active key": active, not replaced by a rotation. */
export async function hasActiveKey(db: Kysely<DB>, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('api_keys')
    .select('id')
    .where('user_id', '=', userId)
    .where('is_active', '=', true)
    .where('replaced_by_key_id', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Keys past their expiry (or their rotation's grace) stop counting as active: marked
 * inactive as of their expiry, so they still read as expired, not revoked.
 */
export async function retireExpiredKeys(db: Kysely<DB>, userId: string): Promise<void> {
  await db
    .updateTable('api_keys')
    .set((eb) => ({ is_active: false, revoked_at: eb.ref('expires_at') }))
    .where('user_id', '=', userId)
    .where('is_active', '=', true)
    .where('expires_at', '<=', sql<Date>`now()`)
    .execute();
}

/**
 * The first step of a rotation, in the rotation's transaction: marks the key replaced by
 * `newKeyId` and ends it after the grace window. Conditional, so of two concurrent
 * rotations the second finds nothing to update (the row lock makes it wait and re-check).
 */
export async function markReplaced(
  db: Db,
  userId: string,
  keyId: string,
  newKeyId: string,
  graceSeconds: number,
): Promise<ApiKeyRow | undefined> {
  const graceEnd = sql<Date>`now() + make_interval(secs => ${graceSeconds})`;
  return db
    .updateTable('api_keys')
    .set({
      replaced_by_key_id: newKeyId,
      expires_at: sql<Date>`least(coalesce(expires_at, ${graceEnd}), ${graceEnd})`,
    })
    .where('id', '=', keyId)
    .where('user_id', '=', userId)
    .where('is_active', '=', true)
    .where('replaced_by_key_id', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
    .returningAll()
    .executeTakeFirst();
}

/**
 * Rotating a key again ends the grace of the key it replaced (at most one predecessor stays
 * alive): its expiry moves to now, so it reads as expired, not revoked.
 */
export async function endPredecessorGrace(db: Db, userId: string, keyId: string): Promise<ApiKeyRow[]> {
  return db
    .updateTable('api_keys')
    .set({ expires_at: sql<Date>`now()` })
    .where('user_id', '=', userId)
    .where('replaced_by_key_id', '=', keyId)
    .where('is_active', '=', true)
    .where('expires_at', '>', sql<Date>`now()`)
    .returningAll()
    .execute();
}

/** Every live key of a user revoked at once (the user was deleted). */
export async function revokeAllKeys(db: Db, userId: string): Promise<ApiKeyRow[]> {
  return db
    .updateTable('api_keys')
    .set({ is_active: false, revoked_at: sql`now()` })
    .where('user_id', '=', userId)
    .where('is_active', '=', true)
    .returningAll()
    .execute();
}

/** Candidates for a leaked token: the key with this display prefix, with its owner. */
export async function findKeyByPrefix(db: Kysely<DB>, keyPrefix: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('key_prefix', '=', keyPrefix).executeTakeFirst();
}

/** Revokes a key by id, whoever owns it, if still active (a leaked key). */
export async function revokeKeyById(db: Db, keyId: string): Promise<ApiKeyRow | undefined> {
  return db
    .updateTable('api_keys')
    .set({ is_active: false, revoked_at: sql`now()` })
    .where('id', '=', keyId)
    .where('is_active', '=', true)
    .returningAll()
    .executeTakeFirst();
}

export async function listApiKeys(db: Kysely<DB>, userId: string): Promise<ApiKeyRow[]> {
  return db
    .selectFrom('api_keys')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

export async function findApiKey(db: Kysely<DB>, userId: string, keyId: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('id', '=', keyId).where('user_id', '=', userId).executeTakeFirst();
}

/** Revokes the key if it is the caller's and still active; returns the revoked row. */
export async function revokeApiKey(db: Kysely<DB>, userId: string, keyId: string): Promise<ApiKeyRow | undefined> {
  return db
    .updateTable('api_keys')
    .set({ is_active: false, revoked_at: sql`now()` })
    .where('id', '=', keyId)
    .where('user_id', '=', userId)
    .where('is_active', '=', true)
    .returningAll()
    .executeTakeFirst();
}

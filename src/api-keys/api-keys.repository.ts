// SQL for the api_keys table, nothing else.
import { type Kysely, sql } from 'kysely';
import { prepared } from '../db/prepared.js';
import type { ApiKeyRow, DB, UserRow } from '../db/types.js';

export interface ApiKeyWithUser {
  key_id: string;
  key_hash: string;
  key_is_active: boolean;
  last_used_at: Date | null;
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
      'k.is_active as key_is_active',
      'k.last_used_at',
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
  const { key_id, key_hash, key_is_active, last_used_at, ...user } = row;
  return { key_id, key_hash, key_is_active, last_used_at, user };
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
  db: Kysely<DB>,
  values: { userId: string; keyPrefix: string; keyHash: string; name: string },
): Promise<ApiKeyRow> {
  return db
    .insertInto('api_keys')
    .values({ user_id: values.userId, key_prefix: values.keyPrefix, key_hash: values.keyHash, name: values.name })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function hasActiveKey(db: Kysely<DB>, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('api_keys')
    .select('id')
    .where('user_id', '=', userId)
    .where('is_active', '=', true)
    .executeTakeFirst();
  return row !== undefined;
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

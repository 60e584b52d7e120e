// Row types of every table, as Kysely sees them. Migrations in /migrations are the
// source of truth; keep this file in step with them.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Set by the database default; never written by code. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** Maintained by the set_updated_at trigger. */
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export interface UsersTable {
  id: Generated<string>;
  clerk_user_id: string;
  email: string | null;
  first_name: string | null;
  username: string | null;
  is_active: Generated<boolean>;
  has_seen_welcome: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ApiKeysTable {
  id: Generated<string>;
  user_id: string;
  key_prefix: string;
  key_hash: string;
  name: string;
  created_at: CreatedAt;
  last_used_at: Date | null;
  is_active: Generated<boolean>;
  revoked_at: Date | null;
}

export interface DB {
  users: UsersTable;
  api_keys: ApiKeysTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;

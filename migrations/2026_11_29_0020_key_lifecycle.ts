import { type Kysely, sql } from 'kysely';

// Key lifecycle (issue 13): expiry, scopes, rotation with a grace window, a security log
// and Clerk webhook receipts. The api_keys live trigger of 0009 compares whole rows, so
// the new columns announce their changes (rotation, expiry) without touching it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table api_keys
    add column expires_at timestamptz,
    add column scopes text[] not null default '{tasks:read,tasks:write,keys:write}',
    add column replaced_by_key_id uuid references api_keys(id) deferrable initially deferred`.execute(db);
  // One active key per user still, decided by the database: a rotated key in its grace
  // window (replaced_by_key_id set) no longer counts, so rotation can insert its successor.
  await sql`drop index api_keys_one_active_per_user`.execute(db);
  await sql`create unique index api_keys_one_active_per_user on api_keys (user_id)
    where is_active and replaced_by_key_id is null`.execute(db);

  await sql`create table security_events (
    id uuid primary key default gen_random_uuid(),
    -- insertion order: the log's order and its cursors (stable while new events arrive)
    seq bigint generated always as identity unique,
    user_id uuid not null references users(id) on delete cascade,
    type text not null,
    created_at timestamptz not null default clock_timestamp(),
    ip text,
    user_agent text,
    api_key_id uuid,
    key_prefix text,
    detail text,
    -- at most one event per dedupe key (first use from an address, failures per minute, ...)
    dedupe_key text unique
  )`.execute(db);
  await sql`create index security_events_user_newest on security_events (user_id, seq desc)`.execute(db);
  await sql`create index security_events_created on security_events (created_at)`.execute(db);

  // Svix message ids already applied: a replayed webhook changes nothing twice.
  await sql`create table clerk_webhook_receipts (
    svix_id text primary key,
    type text not null,
    received_at timestamptz not null default now()
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table clerk_webhook_receipts`.execute(db);
  await sql`drop table security_events`.execute(db);
  await sql`drop index api_keys_one_active_per_user`.execute(db);
  await sql`create unique index api_keys_one_active_per_user on api_keys (user_id) where is_active`.execute(db);
  await sql`alter table api_keys drop column replaced_by_key_id, drop column scopes, drop column expires_at`.execute(
    db,
  );
}

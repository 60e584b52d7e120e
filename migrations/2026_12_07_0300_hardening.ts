import { type Kysely, sql } from 'kysely';

// Third hardening round (issue 23).
// - Two scopes more (keys:read, account:write). Keys that held every scope there was keep
//   holding every scope; narrower keys stay as narrow as they were made.
// - Who disabled a user (Clerk's ban or lock, a deletion, or an operator), so Clerk only
//   undoes what Clerk did; and the time of the last Clerk event applied per user, so a late
//   delivery (Svix does not order them) changes nothing.
// - The per-key daily cap of new-address events counts them by key, type and time.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table api_keys alter column scopes
    set default '{tasks:read,tasks:write,keys:read,keys:write,account:write}'`.execute(db);
  await sql`update api_keys set scopes = scopes || '{keys:read,account:write}'::text[]
    where scopes @> '{tasks:read,tasks:write,keys:write}'::text[]
      and not scopes && '{keys:read,account:write}'::text[]`.execute(db);

  // Per Clerk user (synced or not yet): who disabled them and the last event applied. Kept
  // beside users, not in it, so the row every request reads stays as it is.
  await sql`create table clerk_user_state (
    clerk_user_id text primary key,
    disabled_by text check (disabled_by in ('clerk', 'deleted')),
    last_event_at timestamptz
  )`.execute(db);
  // Users already disabled by Clerk, as the log says (the latest such event); any other
  // disabled user was disabled by an operator, and Clerk will not enable them.
  await sql`insert into clerk_user_state (clerk_user_id, disabled_by)
    select u.clerk_user_id, d.by from users u cross join lateral (
      select case e.detail when 'deleted in Clerk' then 'deleted'
                           when 'banned in Clerk' then 'clerk'
                           when 'locked in Clerk' then 'clerk' end as by
      from security_events e
      where e.user_id = u.id and e.type = 'user.disabled'
      order by e.seq desc limit 1) d
    where not u.is_active and d.by is not null`.execute(db);

  await sql`create index security_events_key_type_created on security_events (api_key_id, type, created_at)
    where api_key_id is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index security_events_key_type_created`.execute(db);
  await sql`drop table clerk_user_state`.execute(db);
  await sql`alter table api_keys alter column scopes set default '{tasks:read,tasks:write,keys:write}'`.execute(db);
}

import { type Kysely, sql } from 'kysely';

// Live updates: every change a subscriber may care about is announced on the channel
// `torale_live` by the transaction that makes it (NOTIFY is delivered on commit), so
// every gateway instance learns of it whoever made it. A trigger cannot be forgotten by
// a code path. Payloads stay small (the limit is 8,000 bytes): ids, the owner, and for
// executions the small fields of the new state, so each state change reaches
// subscribers in order even when the row has moved on by the time it is read.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function torale_notify_execution() returns trigger language plpgsql as $$
    declare owner uuid;
    begin
      if tg_op = 'UPDATE' and new.status is not distinct from old.status then return null; end if;
      select user_id into owner from tasks where id = new.task_id;
      perform pg_notify('torale_live', json_build_object(
        'k', 'execution', 'id', new.id, 'task', new.task_id, 'user', owner, 'status', new.status,
        'started_at', new.started_at, 'completed_at', new.completed_at, 'created_at', new.created_at,
        'error', left(new.error_message, 1000))::text);
      return null;
    end $$`.execute(db);
  await sql`create trigger task_executions_live after insert or update of status on task_executions
    for each row execute function torale_notify_execution()`.execute(db);

  await sql`
    create function torale_notify_task() returns trigger language plpgsql as $$
    begin
      perform pg_notify('torale_live', json_build_object('k', 'task', 'id', new.id, 'user', new.user_id)::text);
      return null;
    end $$`.execute(db);
  // What a subscriber sees changes; counters and dispatch bookkeeping do not announce.
  await sql`create trigger tasks_live_insert after insert on tasks
    for each row execute function torale_notify_task()`.execute(db);
  await sql`create trigger tasks_live_update after update on tasks for each row
    when ((old.name, old.search_query, old.condition_description, old.state, old.next_run, old.is_public,
           old.last_execution_id, old.last_known_state, old.notifications)
          is distinct from
          (new.name, new.search_query, new.condition_description, new.state, new.next_run, new.is_public,
           new.last_execution_id, new.last_known_state, new.notifications))
    execute function torale_notify_task()`.execute(db);

  // Credentials that stop working end the live connections that use them (close 4403).
  await sql`
    create function torale_notify_access() returns trigger language plpgsql as $$
    begin
      if tg_table_name = 'users' then
        perform pg_notify('torale_live', json_build_object('k', 'user', 'id', new.id, 'user', new.id)::text);
      else
        perform pg_notify('torale_live', json_build_object('k', 'key', 'id', new.id, 'user', new.user_id)::text);
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger users_live_access after update of is_active on users for each row
    when (old.is_active is distinct from new.is_active) execute function torale_notify_access()`.execute(db);
  // Any change of a key but the use stamp (revoked, expiry moved, replaced by a rotation).
  await sql`create trigger api_keys_live_access after update on api_keys for each row
    when (to_jsonb(old) - 'last_used_at' is distinct from to_jsonb(new) - 'last_used_at')
    execute function torale_notify_access()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists api_keys_live_access on api_keys`.execute(db);
  await sql`drop trigger if exists users_live_access on users`.execute(db);
  await sql`drop trigger if exists tasks_live_update on tasks`.execute(db);
  await sql`drop trigger if exists tasks_live_insert on tasks`.execute(db);
  await sql`drop trigger if exists task_executions_live on task_executions`.execute(db);
  await sql`drop function if exists torale_notify_access()`.execute(db);
  await sql`drop function if exists torale_notify_task()`.execute(db);
  await sql`drop function if exists torale_notify_execution()`.execute(db);
}

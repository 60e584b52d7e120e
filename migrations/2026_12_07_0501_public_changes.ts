import { type Kysely, sql } from 'kysely';

// What changed in the public list, so an instance can bring its total and its deep-offset
// bookmarks up to date by reading the changes since it last looked instead of counting and
// scanning every public task (issue 29: 67–241 ms every 10 and 30 s per instance at 200,000
// public tasks, growing with them).
// - One row per change of a task's place in a public order: it left (deleted, made private) at
//   its old sort key, entered (created public, made public) at its new one, or moved (its
//   counts changed: both). Tasks that are not public and stay so write nothing.
// - `xid` is the writing transaction's: a reader remembers the snapshot it read in and next
//   time takes exactly the rows that became visible since (pg_visible_in_snapshot), whatever
//   order transactions commit in.
// - Rows older than the retention are deleted by readers; an instance that has not looked for
//   that long starts over from a full scan.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table public_task_changes (
    xid xid8 not null default pg_current_xact_id(),
    at timestamptz not null default now(),
    task_id uuid not null,
    old_subscribers int, old_views int, old_created timestamptz,
    new_subscribers int, new_views int, new_created timestamptz
  )`.execute(db);
  await sql`create index public_task_changes_xid on public_task_changes (xid)`.execute(db);
  await sql`create index public_task_changes_at on public_task_changes (at)`.execute(db);

  await sql`
    create function torale_public_task_change() returns trigger language plpgsql as $$
    declare was boolean := tg_op <> 'INSERT' and old.is_public;
            now_public boolean := tg_op <> 'DELETE' and new.is_public;
    begin
      if not was and not now_public then return null; end if;
      insert into public_task_changes (task_id, old_subscribers, old_views, old_created,
                                       new_subscribers, new_views, new_created)
      values (case when tg_op = 'DELETE' then old.id else new.id end,
              case when was then old.subscriber_count end, case when was then old.view_count end,
              case when was then old.created_at end,
              case when now_public then new.subscriber_count end, case when now_public then new.view_count end,
              case when now_public then new.created_at end);
      return null;
    end $$`.execute(db);
  await sql`create trigger tasks_public_insert after insert on tasks
    for each row when (new.is_public) execute function torale_public_task_change()`.execute(db);
  await sql`create trigger tasks_public_delete after delete on tasks
    for each row when (old.is_public) execute function torale_public_task_change()`.execute(db);
  await sql`create trigger tasks_public_update after update of is_public, subscriber_count, view_count, created_at
    on tasks for each row
    when ((old.is_public or new.is_public) and (old.is_public, old.subscriber_count, old.view_count, old.created_at)
          is distinct from (new.is_public, new.subscriber_count, new.view_count, new.created_at))
    execute function torale_public_task_change()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists tasks_public_update on tasks`.execute(db);
  await sql`drop trigger if exists tasks_public_delete on tasks`.execute(db);
  await sql`drop trigger if exists tasks_public_insert on tasks`.execute(db);
  await sql`drop function if exists torale_public_task_change()`.execute(db);
  await sql`drop table if exists public_task_changes`.execute(db);
}

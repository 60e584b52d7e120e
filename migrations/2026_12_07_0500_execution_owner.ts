import { type Kysely, sql } from 'kysely';

// The owner's id on every execution (issues 26 and 29). The owner feed wants one user's newest
// successful runs that notified across all their tasks; with only task_id on the row that was
// one index probe per task and then a sort of every notified run (5.2 ms for a user with 1,000
// tasks, 36.7 ms with 50 notified runs per task, on a database of 1M tasks). With the owner on
// the row, a partial index in feed order answers it by reading `limit` entries.
// - The owner is filled in by the database when a writer leaves it out (every writer: the run
//   engine, Run Now, an import, a test), and follows the task if its owner ever changes.
// - The live trigger takes the owner from the row instead of looking the task up.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table task_executions add column user_id uuid`.execute(db);
  await sql`update task_executions e set user_id = t.user_id from tasks t where t.id = e.task_id`.execute(db);
  await sql`alter table task_executions alter column user_id set not null`.execute(db);

  await sql`
    create function torale_execution_owner() returns trigger language plpgsql as $$
    begin
      select user_id into new.user_id from tasks where id = new.task_id;
      return new;
    end $$`.execute(db);
  await sql`create trigger task_executions_owner before insert on task_executions
    for each row when (new.user_id is null) execute function torale_execution_owner()`.execute(db);

  await sql`
    create function torale_task_owner_moved() returns trigger language plpgsql as $$
    begin
      update task_executions set user_id = new.user_id where task_id = new.id;
      return null;
    end $$`.execute(db);
  await sql`create trigger tasks_owner_moved after update of user_id on tasks
    for each row when (old.user_id is distinct from new.user_id) execute function torale_task_owner_moved()`.execute(
    db,
  );

  await sql`create index task_executions_owner_notified on task_executions (user_id, started_at desc, id desc)
    where status = 'success' and notification is not null`.execute(db);

  await sql`
    create or replace function torale_notify_execution() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and new.status is not distinct from old.status then return null; end if;
      perform pg_notify('torale_live', json_build_object(
        'k', 'execution', 'id', new.id, 'task', new.task_id, 'user', new.user_id, 'status', new.status,
        'started_at', new.started_at, 'completed_at', new.completed_at, 'created_at', new.created_at,
        'error', left(new.error_message, 1000))::text);
      return null;
    end $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function torale_notify_execution() returns trigger language plpgsql as $$
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
  await sql`drop index if exists task_executions_owner_notified`.execute(db);
  await sql`drop trigger if exists tasks_owner_moved on tasks`.execute(db);
  await sql`drop function if exists torale_task_owner_moved()`.execute(db);
  await sql`drop trigger if exists task_executions_owner on task_executions`.execute(db);
  await sql`drop function if exists torale_execution_owner()`.execute(db);
  await sql`alter table task_executions drop column user_id`.execute(db);
}

import { type Kysely, sql } from 'kysely';

// The schedule lives in the tasks table: `next_dispatch_at` is when the dispatcher starts
// the task's next run (null = nothing to start: paused, completed, or a run is under way).
// Due tasks are found through a partial index whose size is the number of scheduled
// tasks, so dispatching, pausing and deleting cost the same at any table size.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table tasks add column next_dispatch_at timestamptz`.execute(db);
  // Active tasks without a live run are scheduled at their next_run (or now, when unset).
  await sql`
    update tasks t set next_dispatch_at = coalesce(t.next_run, now())
    where t.state = 'active'
      and not exists (select 1 from task_executions e
                      where e.task_id = t.id and e.status in ('pending', 'running', 'retrying'))`.execute(db);
  await sql`create index tasks_due on tasks (next_dispatch_at) where next_dispatch_at is not null`.execute(db);
  // Dispatch bookkeeping is not an edit of the task.
  await sql`
    create or replace function tasks_set_updated_at() returns trigger language plpgsql as $$
    begin
      if (to_jsonb(new) - array['view_count', 'subscriber_count', 'updated_at', 'last_execution_id', 'last_known_state', 'next_dispatch_at'])
         is distinct from
         (to_jsonb(old) - array['view_count', 'subscriber_count', 'updated_at', 'last_execution_id', 'last_known_state', 'next_dispatch_at']) then
        new.updated_at := now();
      end if;
      return new;
    end $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function tasks_set_updated_at() returns trigger language plpgsql as $$
    begin
      if (to_jsonb(new) - array['view_count', 'subscriber_count', 'updated_at', 'last_execution_id', 'last_known_state'])
         is distinct from
         (to_jsonb(old) - array['view_count', 'subscriber_count', 'updated_at', 'last_execution_id', 'last_known_state']) then
        new.updated_at := now();
      end if;
      return new;
    end $$`.execute(db);
  await sql`drop index if exists tasks_due`.execute(db);
  await sql`alter table tasks drop column next_dispatch_at`.execute(db);
}

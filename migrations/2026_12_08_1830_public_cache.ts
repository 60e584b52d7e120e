import { type Kysely, sql } from 'kysely';

// Cached public reads (issue 27): every change to what an anonymous visitor can read — a public
// task (or one that stops being public), a run of a public task, a template — takes the next
// number of one sequence and announces it on `torale_public` when it commits. Each instance
// keeps the highest number it has heard as its cache generation and keys every cached public
// answer with it, so one NOTIFY retires every older entry on every instance (and in a shared
// Redis) without a key scan. A view being counted does not announce: the cached answers may
// show a view count up to their max-age old.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create sequence torale_public_generation`.execute(db);
  // Which database the numbers count in: part of every cache key, so two databases whose
  // gateways share a Redis never answer from each other's entries.
  await sql`create table public_cache_epoch (epoch uuid primary key default gen_random_uuid())`.execute(db);
  await sql`insert into public_cache_epoch default values`.execute(db);
  await sql`
    create function torale_public_bump() returns trigger language plpgsql as $$
    begin
      if tg_table_name = 'task_executions' then
        if not exists (select 1 from tasks where id = coalesce(new.task_id, old.task_id) and is_public) then
          return null;
        end if;
      end if;
      perform pg_notify('torale_public', nextval('torale_public_generation')::text);
      return null;
    end $$`.execute(db);
  await sql`create trigger tasks_public_cache_insert after insert on tasks
    for each row when (new.is_public) execute function torale_public_bump()`.execute(db);
  await sql`create trigger tasks_public_cache_delete after delete on tasks
    for each row when (old.is_public) execute function torale_public_bump()`.execute(db);
  await sql`create trigger tasks_public_cache_update after update on tasks for each row
    when ((old.is_public or new.is_public)
          and (to_jsonb(old) - 'view_count') is distinct from (to_jsonb(new) - 'view_count'))
    execute function torale_public_bump()`.execute(db);
  await sql`create trigger task_executions_public_cache after insert or update or delete on task_executions
    for each row execute function torale_public_bump()`.execute(db);
  await sql`create trigger task_templates_public_cache after insert or update or delete on task_templates
    for each row execute function torale_public_bump()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists task_templates_public_cache on task_templates`.execute(db);
  await sql`drop trigger if exists task_executions_public_cache on task_executions`.execute(db);
  await sql`drop trigger if exists tasks_public_cache_update on tasks`.execute(db);
  await sql`drop trigger if exists tasks_public_cache_delete on tasks`.execute(db);
  await sql`drop trigger if exists tasks_public_cache_insert on tasks`.execute(db);
  await sql`drop function if exists torale_public_bump()`.execute(db);
  await sql`drop table if exists public_cache_epoch`.execute(db);
  await sql`drop sequence if exists torale_public_generation`.execute(db);
}

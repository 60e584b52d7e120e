import { type Kysely, sql } from 'kysely';

// Torale's wire (issue 21). Tasks carry Torale's `context` (a JSON object or null, handed back
// to webhook receivers). Executions are stored as Torale stores them: `grounding_sources` as
// `[{url, title}]` (title = the URL's host, or the text itself when it is not a URL) instead of
// URL strings, and `result` as `{evidence, notification, confidence, next_run,
// grounding_sources, activity, metadata: {changed, current_state}, notification_failed,
// auto_complete_failed}` plus our additions (topic), without the old `sources` list — Torale's
// dashboard reads `result.sources` first and breaks on strings. Rows already in the new shape
// are left alone, so the conversion can run again safely.

const SOURCE_ARRAY = sql`case when jsonb_typeof(e.grounding_sources) = 'array' then e.grounding_sources
  else '[]'::jsonb end`;

/** Each element's URL text and given title; strings are URLs, objects keep theirs. */
const ELEMENTS = sql`select ord,
    btrim(case jsonb_typeof(s) when 'string' then s #>> '{}'
      when 'object' then case when jsonb_typeof(s -> 'url') = 'string' then s ->> 'url' end end) as u,
    case when jsonb_typeof(s) = 'object' and jsonb_typeof(s -> 'title') = 'string' then btrim(s ->> 'title') end as t
  from jsonb_array_elements(${SOURCE_ARRAY}) with ordinality as x(s, ord)`;

const HOST = sql`lower(substring(u from '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#]*@)?([^/?#]+)'))`;

/** Task changes a live subscriber sees (migration 0009's list, with `context` when asked). */
const LIVE_COLUMNS = [
  'name',
  'search_query',
  'condition_description',
  'state',
  'next_run',
  'is_public',
  'last_execution_id',
  'last_known_state',
  'notifications',
];
const liveTrigger = (withContext: boolean) => {
  const cols = withContext ? [...LIVE_COLUMNS, 'context'] : LIVE_COLUMNS;
  const row = (alias: string) => sql.raw(cols.map((c) => `${alias}.${c}`).join(', '));
  return sql`create trigger tasks_live_update after update on tasks for each row
    when ((${row('old')}) is distinct from (${row('new')}))
    execute function torale_notify_task()`;
};

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tasks').addColumn('context', 'jsonb').execute();
  await sql`drop trigger tasks_live_update on tasks`.execute(db);
  await liveTrigger(true).execute(db);

  await sql`update task_executions e set grounding_sources = coalesce((
      select jsonb_agg(jsonb_build_object('url', u, 'title', coalesce(nullif(t, ''), nullif(${HOST}, ''), u)) order by ord)
      from (${ELEMENTS}) z where u is not null and u <> ''), '[]'::jsonb)
    where jsonb_typeof(e.grounding_sources) is distinct from 'array'
       or exists (select 1 from jsonb_array_elements(${SOURCE_ARRAY}) s
                  where jsonb_typeof(s) <> 'object' or jsonb_typeof(s -> 'url') is distinct from 'string'
                     or jsonb_typeof(s -> 'title') is distinct from 'string')`.execute(db);

  await sql`update task_executions e set result = (e.result - 'sources') || jsonb_build_object(
      'evidence', coalesce(e.result -> 'evidence', '""'::jsonb),
      'notification', coalesce(e.result -> 'notification', to_jsonb(e.notification)),
      'confidence', coalesce(e.result -> 'confidence', 'null'::jsonb),
      'next_run', coalesce(e.result -> 'next_run', 'null'::jsonb),
      'grounding_sources', e.grounding_sources,
      'activity', case when jsonb_typeof(e.result -> 'activity') = 'array' then e.result -> 'activity' else '[]'::jsonb end,
      'metadata', jsonb_build_object('changed', e.notification is not null, 'current_state', null),
      'notification_failed', coalesce(e.result -> 'notification_failed', 'false'::jsonb),
      'auto_complete_failed', coalesce(e.result -> 'auto_complete_failed', 'false'::jsonb),
      'topic', coalesce(e.result -> 'topic', 'null'::jsonb))
    where jsonb_typeof(e.result) = 'object'
      and (e.result ? 'sources' or not (e.result ? 'metadata') or not (e.result ? 'grounding_sources'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`update task_executions e set
      grounding_sources = coalesce((select jsonb_agg(s -> 'url' order by ord)
        from jsonb_array_elements(e.grounding_sources) with ordinality as x(s, ord)
        where jsonb_typeof(s) = 'object'), '[]'::jsonb),
      result = case when jsonb_typeof(e.result) = 'object'
        then (e.result - 'grounding_sources' - 'activity' - 'metadata' - 'notification_failed' - 'auto_complete_failed')
             || jsonb_build_object('sources', coalesce((select jsonb_agg(s -> 'url' order by ord)
                  from jsonb_array_elements(e.grounding_sources) with ordinality as x(s, ord)
                  where jsonb_typeof(s) = 'object'), '[]'::jsonb))
        else e.result end
    where jsonb_typeof(e.grounding_sources) = 'array'`.execute(db);
  await sql`drop trigger tasks_live_update on tasks`.execute(db);
  await liveTrigger(false).execute(db);
  await db.schema.alterTable('tasks').dropColumn('context').execute();
}

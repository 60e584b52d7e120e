"""Fill a database built by Torale's own alembic migrations with a realistic data set.

    python seed_torale.py --url postgresql://postgres@127.0.0.1:5432/import_proof_torale \
        [--users 3000] [--tasks 10000] [--keys 300] [--keys-out keys.json] [--noauth-user N]

--noauth-user N gives seeded user N the Clerk id `user_noauth_dev`, the id the gateway's no-auth
mode (TORALE_NOAUTH=1) acts as, so Torale's no-auth dashboard build, served against the imported
gateway, shows that Torale user's imported tasks and findings (the dashboard proof of must-show 1).
The owner of task n is user 1 + (n * 7919) % users; task n has n % max-runs executions.

The schema is Torale's (run `alembic upgrade head` in Torale's backend first); this script only
writes rows, in the shapes Torale's code writes them:
- users with Clerk ids, some with a default webhook, usernames, verified notification emails;
- API keys as Torale's POST /auth/api-keys makes them: "sk_" + secrets.token_urlsafe(32),
  bcrypt.hashpw(key, bcrypt.gensalt()) (12 rounds), key_prefix = key[:15] + "..."; one in ten
  revoked (is_active false). The plain keys go to --keys-out (outside the repository);
- tasks in every state, public ones, notifications as NotificationConfig.model_dump(), delivery
  columns, context, connector slugs, next_run spread over the next day (a few overdue or unset);
- executions as the scheduler persists them: result = AgentExecutionResult JSON (evidence,
  notification, confidence, next_run, grounding_sources [{url, title}], activity), the
  grounding_sources column, notification text; failures with error_category/internal_error; a few
  in flight; old runs with sources as URL strings;
- webhook deliveries (delivered, failed with a retry pending), notification sends, email
  verifications, the waitlist, a few Composio connections (which stay with Torale).
Bulk rows are made with generate_series in one transaction (ids are md5-derived, so a rerun
against an emptied database makes the same ids); only the bcrypt hashes are computed here.
"""

import argparse
import json
import secrets
import time

import bcrypt
import psycopg2

USERS_SQL = """
insert into users (id, clerk_user_id, email, first_name, is_active, created_at, updated_at,
  verified_notification_emails, webhook_url, webhook_secret, webhook_enabled, username, has_seen_welcome)
select md5('u' || n)::uuid, 'user_' || substr(md5('clerk' || n), 1, 24), 'person' || n || '@example.com',
  (array['Ada', 'Grace', 'Linus', 'Barbara', 'Ken', null])[1 + n % 6], n % 97 <> 0,
  now() - make_interval(days => 400 - n % 400, secs => (n % 1000) / 1000.0 + 0.000123),
  now() - make_interval(days => n % 30),
  case when n % 5 = 0 then array['alerts' || n || '@example.net'] else array[]::text[] end,
  case when n % 10 = 0 then 'https://hooks.example.com/u/' || n when n % 211 = 0 then 'http://10.0.0.5/hook' end,
  case when n % 10 = 0 or n % 211 = 0 then 'whsec_' || md5('secret' || n) end,
  n % 10 = 0 or n % 211 = 0,
  case when n % 3 = 0 then 'user' || n end, n % 4 <> 0
from generate_series(1, %(users)s) n
"""

TASKS_SQL = """
insert into tasks (id, user_id, name, search_query, condition_description, last_known_state, created_at,
  updated_at, notifications, notification_channels, notification_email, webhook_url, webhook_secret, is_public,
  view_count, subscriber_count, forked_from_task_id, state, state_changed_at, next_run, context,
  attached_connector_slugs)
select md5('t' || n)::uuid, md5('u' || owner)::uuid, 'Watch ' || n || ': ' || topic,
  case when n % 53 = 0 then null else 'What is the latest news on ' || topic || '?' end,
  'A new announcement about ' || topic || ' is published',
  case when n % 7 <> 0 then jsonb_build_object('evidence', 'Last checked: nothing new on ' || topic) end,
  now() - make_interval(days => 200 - n % 200, secs => (n % 997) / 997.0),
  now() - make_interval(days => n % 20, secs => 0.000456),
  case n % 10
    when 0 then jsonb_build_array(jsonb_build_object('type', 'webhook', 'address', null, 'template', null,
      'url', 'https://hooks.example.com/t/' || n, 'method', 'POST', 'headers', jsonb_build_object('X-Team', 'ops')))
    when 1 then jsonb_build_array(jsonb_build_object('type', 'email', 'address', 'person' || owner || '@example.com',
      'template', null, 'url', null, 'method', 'POST', 'headers', null))
    when 2 then jsonb_build_array(jsonb_build_object('type', 'webhook', 'address', null, 'template', null,
      'url', 'http://legacy.example.com/t/' || n, 'method', 'POST', 'headers', null))
    else '[]'::jsonb end,
  case n % 10 when 0 then array['email', 'webhook'] when 2 then array['webhook'] else array['email'] end,
  case when n % 10 = 1 then 'person' || owner || '@example.com' end,
  case n % 10 when 0 then 'https://hooks.example.com/t/' || n when 2 then 'http://legacy.example.com/t/' || n end,
  case when n % 10 in (0, 2) then 'whsec_' || md5('task' || n) end,
  n % 5 = 0, (n * 31) % 500, (n * 7) % 40, null,
  case when n % 10 < 7 then 'active' when n % 10 < 9 then 'paused' else 'completed' end,
  now() - make_interval(days => n % 50),
  case when n % 10 >= 7 then null
       when n % 101 = 0 then null
       when n % 53 = 0 then now() - interval '3 hours'
       else now() + make_interval(secs => 300 + (n * 7919) % 86400) end,
  case when n % 11 = 0 then jsonb_build_object('project', 'p' || n % 17, 'depth', jsonb_build_object('a', jsonb_build_array(1, 2))) end,
  case when n % 29 = 0 then array['notion'] else array[]::text[] end
from (select n, 1 + ((n * 7919) % %(users)s) as owner,
        (array['SpaceX Starship', 'the EU AI Act', 'iPhone 18', 'Rust 2027 edition', 'GPT-6', 'Python 3.15',
               'the Fed rate', 'Nvidia earnings', 'Linux 7.0', 'PostgreSQL 19'])[1 + n % 10] as topic
      from generate_series(1, %(tasks)s) n) s
"""

FORKS_SQL = """
update tasks t set forked_from_task_id = md5('t' || (n - 1))::uuid
from generate_series(1, %(tasks)s) n where n % 37 = 1 and n > 1 and t.id = md5('t' || n)::uuid
"""

EXECUTIONS_SQL = """
insert into task_executions (id, task_id, status, started_at, completed_at, result, error_message,
  grounding_sources, created_at, notification, retry_count, error_category, internal_error)
select md5('e' || n || '-' || k)::uuid, md5('t' || n)::uuid, st,
  at, case when st in ('success', 'failed', 'cancelled') then at + make_interval(secs => 12.5 + k) end,
  case when st = 'success' then jsonb_build_object('evidence', 'Checked ' || k || ' sources for task ' || n,
    'notification', note, 'confidence', 60 + (n + k) % 40, 'next_run', null,
    'grounding_sources', src, 'activity', jsonb_build_array(jsonb_build_object('tool', 'perplexity_search',
      'detail', 'searched the web', 'connector_slug', null, 'annotations', null))) end,
  case when st = 'failed' then 'The monitoring agent could not be reached' end,
  case when st = 'success' then
    case when (n + k) % 20 = 0 then src_strings else src end end,
  at, note, case when st = 'failed' then 2 else 0 end,
  case when st = 'failed' then 'agent_unavailable' end, case when st = 'failed' then 'ConnectError' end
from (
  select n, k, now() - make_interval(hours => 24 * k + n % 24, secs => (n % 1000) / 1000.0) as at,
    case when (n + k) % 10 = 9 then 'failed' when k = 0 and n % 211 = 0 then 'running'
         when k = 0 and n % 307 = 0 then 'pending' else 'success' end as st,
    case when (n + k) % 4 = 0 then 'New: an announcement was published (run ' || k || ')' end as note,
    jsonb_build_array(jsonb_build_object('url', 'https://www.reuters.com/' || n || '/' || k, 'title', 'www.reuters.com'),
      jsonb_build_object('url', 'https://apnews.com/' || n, 'title', 'apnews.com')) as src,
    jsonb_build_array('https://www.reuters.com/' || n || '/' || k, 'https://apnews.com/' || n) as src_strings
  from generate_series(1, %(tasks)s) n, generate_series(0, (n % %(max_runs)s) - 1) k
) s
"""

LAST_EXECUTION_SQL = """
update tasks t set last_execution_id = e.id
from (select distinct on (task_id) task_id, id from task_executions order by task_id, started_at desc) e
where e.task_id = t.id
"""

DELIVERIES_SQL = """
insert into webhook_deliveries (task_id, execution_id, webhook_url, payload, signature, http_status, response_body,
  attempt_number, delivered_at, failed_at, error_message, next_retry_at, created_at)
select e.task_id, e.id, t.webhook_url,
  jsonb_build_object('id', e.id, 'event_type', 'task.condition_met', 'created_at', extract(epoch from e.started_at)::int,
    'object', 'event', 'data', jsonb_build_object('task', jsonb_build_object('id', t.id, 'name', t.name),
      'execution', jsonb_build_object('id', e.id, 'notification', e.notification))),
  't=' || extract(epoch from e.started_at)::int || ',v1=' || md5(e.id::text) || md5(t.id::text),
  case when ok then 200 else 503 end, case when ok then 'ok' else 'upstream unavailable' end,
  case when ok then 1 else 2 end,
  case when ok then e.completed_at + interval '1 second' end,
  case when not ok then e.completed_at + interval '1 second' end,
  case when not ok then 'HTTP 503' end,
  case when not ok then e.completed_at + interval '5 minutes' end, e.completed_at
from (select e.*, abs(hashtext(e.id::text)) % 6 <> 0 as ok from task_executions e
      where e.status = 'success' and e.notification is not null) e
join tasks t on t.id = e.task_id where t.webhook_url is not null
"""

SENDS_SQL = """
insert into notification_sends (user_id, task_id, recipient_email, notification_type, execution_id, status,
  error_message, created_at)
select t.user_id, t.id, coalesce(t.notification_email, u.email), 'email', e.id,
  case when abs(hashtext(e.id::text)) % 25 = 0 then 'failed' else 'success' end,
  case when abs(hashtext(e.id::text)) % 25 = 0 then 'Novu: rate limited' end, e.completed_at
from task_executions e join tasks t on t.id = e.task_id join users u on u.id = t.user_id
where e.status = 'success' and e.notification is not null and 'email' = any(t.notification_channels)
"""

VERIFICATIONS_SQL = """
insert into email_verifications (user_id, email, verification_code, verified, expires_at, verified_at, attempts, created_at)
select md5('u' || n)::uuid, 'alerts' || n || '@example.net', lpad(((n * 7919) % 1000000)::text, 6, '0'), true,
  now() - interval '20 days', now() - interval '20 days 30 minutes', 1, now() - interval '20 days 40 minutes'
from generate_series(5, %(users)s, 5) n
"""

WAITLIST_SQL = """
insert into waitlist (email, created_at, status, invited_at, notes)
select 'waiting' || n || '@example.org', now() - make_interval(days => n % 90),
  (array['pending', 'pending', 'invited', 'converted'])[1 + n % 4],
  case when n % 4 >= 2 then now() - make_interval(days => n % 30) end,
  case when n % 9 = 0 then 'met at a conference' end
from generate_series(1, %(waitlist)s) n
"""

CONNECTORS_SQL = """
insert into user_connectors (user_id, toolkit_slug, connected_account_id, status, connected_at)
select md5('u' || n)::uuid, 'notion', 'ca_' || md5('c' || n), 'ACTIVE', now() - interval '10 days'
from generate_series(29, %(users)s, 290) n
"""


def fill(stmt: str, params: dict[str, int]) -> str:
    """The sizes into the SQL (integers only, so no quoting is involved)."""
    for k, v in params.items():
        stmt = stmt.replace(f"%({k})s", str(int(v)))
    return stmt


def torale_key() -> tuple[str, str, str]:
    """A key the way Torale's POST /auth/api-keys makes it: (key, bcrypt hash, prefix)."""
    key = f"sk_{secrets.token_urlsafe(32)}"
    return key, bcrypt.hashpw(key.encode(), bcrypt.gensalt()).decode(), key[:15] + "..."


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--users", type=int, default=3000)
    p.add_argument("--tasks", type=int, default=10000)
    p.add_argument("--max-runs", type=int, default=7, help="task n has n % max-runs executions")
    p.add_argument("--keys", type=int, default=300)
    p.add_argument("--waitlist", type=int, default=500)
    p.add_argument("--keys-out", default="torale-keys.json")
    p.add_argument("--noauth-user", type=int, help="user N gets Clerk id user_noauth_dev (gateway no-auth mode)")
    a = p.parse_args()
    params = {"users": a.users, "tasks": a.tasks, "max_runs": a.max_runs, "waitlist": a.waitlist}
    conn = psycopg2.connect(a.url)
    t0 = time.time()
    with conn, conn.cursor() as cur:
        cur.execute("select version_num from alembic_version")
        print("alembic revision", cur.fetchone()[0])
        for name, stmt in [
            ("users", USERS_SQL),
            ("tasks", TASKS_SQL),
            ("forks", FORKS_SQL),
            ("task_executions", EXECUTIONS_SQL),
            ("last executions", LAST_EXECUTION_SQL),
            ("webhook_deliveries", DELIVERIES_SQL),
            ("notification_sends", SENDS_SQL),
            ("email_verifications", VERIFICATIONS_SQL),
            ("waitlist", WAITLIST_SQL),
            ("user_connectors", CONNECTORS_SQL),
        ]:
            cur.execute(fill(stmt, params))
            print(f"{name}: {cur.rowcount} rows ({time.time() - t0:.1f} s)", flush=True)
        if a.noauth_user is not None:
            cur.execute(
                "update users set clerk_user_id = 'user_noauth_dev' where id = md5('u' || %s)::uuid",
                (a.noauth_user,),
            )
            if cur.rowcount != 1:
                raise SystemExit(f"--noauth-user {a.noauth_user}: no such seeded user")
            print(f"user {a.noauth_user} has Clerk id user_noauth_dev", flush=True)
        # Keys: every (users / keys)-th user gets a live key; one in ten of those also a revoked one.
        step = max(1, a.users // a.keys)
        keys = []
        for i, n in enumerate(range(1, a.users + 1, step)):
            key, key_hash, prefix = torale_key()
            cur.execute(
                "insert into api_keys (user_id, key_prefix, key_hash, name, created_at, last_used_at, is_active)"
                " values (md5('u' || %s)::uuid, %s, %s, 'SDK', now() - interval '30 days',"
                " now() - make_interval(hours => %s), true) returning id, user_id",
                (n, prefix, key_hash, n % 48),
            )
            key_id, user_id = cur.fetchone()
            keys.append({"key": key, "id": str(key_id), "user_id": str(user_id), "active": True})
            if i % 10 == 0:
                old, old_hash, old_prefix = torale_key()
                cur.execute(
                    "insert into api_keys (user_id, key_prefix, key_hash, name, created_at, last_used_at,"
                    " is_active) values (md5('u' || %s)::uuid, %s, %s, 'old laptop', now() - interval '90 days',"
                    " now() - interval '60 days', false) returning id",
                    (n, old_prefix, old_hash),
                )
                keys.append({"key": old, "id": str(cur.fetchone()[0]), "user_id": str(user_id), "active": False})
        print(f"api_keys: {len(keys)} rows, bcrypt {bcrypt.__version__} 12 rounds ({time.time() - t0:.1f} s)")
    conn.close()
    with open(a.keys_out, "w") as f:
        json.dump(keys, f, indent=1)
    print(f"plain keys in {a.keys_out}; done in {time.time() - t0:.1f} s")


if __name__ == "__main__":
    main()

// Data of a run, generated in SQL (generate_series) so that even the large growth set —
// 200,000 users, 1,000,000 tasks (200,000 public), 5,000,000 executions — loads in minutes.
// Triggers are off while seeding (session_replication_role = replica): the live NOTIFYs and
// per-row foreign-key checks would cost more than the rows, and the data is consistent by
// construction.
import bcrypt from 'bcrypt';
import { displayPrefixOf, generateApiKey } from '../../src/auth/api-key-format.js';
import { query } from './db.js';

const REPLICA = 'set session_replication_role = replica';

export interface BenchUser {
  userId: string;
  clerkUserId: string;
  key: string;
  /** One of the user's tasks, with 20 executions. */
  taskId: string;
}

/**
 * The user every authenticated request acts as: an API key, 1,000 tasks × 20 executions, every
 * fourth of which notified (5,000 runs in the owner feed, 5 in each task's notifications).
 * Triggers are off while seeding, so the execution's owner is written here.
 */
export async function seedBenchUser(url: string): Promise<BenchUser> {
  const key = generateApiKey();
  const hash = await bcrypt.hash(key, 10);
  const clerkUserId = 'user_bench';
  const [user] = await query<{ id: string }>(
    url,
    REPLICA,
    `insert into users (clerk_user_id, email, first_name) values ('${clerkUserId}', 'bench@example.com', 'Bench') returning id`,
  );
  const userId = user!.id;
  const [task] = await query<{ id: string }>(
    url,
    REPLICA,
    `insert into api_keys (user_id, key_prefix, key_hash, name) values ('${userId}', '${displayPrefixOf(key)}', '${hash}', 'bench')`,
    `with t as (
       insert into tasks (user_id, name, search_query, condition_description, state, notifications, created_at)
       select '${userId}', 'Monitor ' || g, 'When is release ' || g || ' announced?', 'A date is announced',
              case when g <= 50 then 'active' else 'paused' end,
              '[{"type":"email","address":"bench@example.com"}]'::jsonb, now() - make_interval(mins => g)
       from generate_series(1, 1000) g
       returning id, name, substr(name, 9)::int as n
     )
     insert into task_executions (task_id, user_id, status, started_at, completed_at, result, grounding_sources, notification)
     select t.id, '${userId}', 'success', now() - make_interval(hours => s, secs => t.n),
            now() - make_interval(hours => s, secs => t.n) + interval '20 seconds',
            '{"evidence":"Nothing announced yet","confidence":0.7}'::jsonb,
            '[{"url":"https://example.com/news","title":"News"}]'::jsonb,
            case when s % 4 = 0 then 'Release ' || t.n || ' is announced' end
     from t, generate_series(1, 20) s`,
    `select id from tasks where user_id = '${userId}' and name = 'Monitor 1'`,
  );
  return { userId, clerkUserId, key, taskId: task!.id };
}

export interface FillerSize {
  users: number;
  tasks: number;
  /** Every n-th task is public (1 = all). */
  publicEvery: number;
  executionsPerTask: number;
}

/** The large data set, times `scale`. */
export const largeSize = (scale: number): FillerSize => ({
  users: Math.max(10, Math.round(200_000 * scale)),
  tasks: Math.max(50, Math.round(1_000_000 * scale)),
  publicEvery: 5,
  executionsPerTask: 5,
});

export const smallSize: FillerSize = { users: 100, tasks: 500, publicEvery: 5, executionsPerTask: 5 };

/** Other people's data: users, their tasks (70 % active, scheduled a day ahead), executions. */
export async function seedFiller(url: string, size: FillerSize): Promise<void> {
  const { users, tasks, publicEvery, executionsPerTask } = size;
  await query(
    url,
    REPLICA,
    `insert into users (clerk_user_id, email, first_name)
     select 'user_f' || g, 'f' || g || '@example.com', 'Filler' from generate_series(1, ${users}) g`,
    `create temp table fu as
     select id, (row_number() over (order by clerk_user_id))::int - 1 as rn from users where first_name = 'Filler'`,
    `insert into tasks (user_id, name, search_query, condition_description, state, is_public, view_count,
                        subscriber_count, created_at, next_run, next_dispatch_at)
     select fu.id, 'Filler ' || g, 'When is release ' || g || ' announced?', 'A date is announced',
            case when g % 10 < 7 then 'active' else 'paused' end, g % ${publicEvery} = 0,
            (g::bigint * 7919) % 1000, (g::bigint * 104729) % 50, now() - make_interval(secs => g),
            case when g % 10 < 7 then now() + interval '1 day' + make_interval(secs => g % 86400) end,
            case when g % 10 < 7 then now() + interval '1 day' + make_interval(secs => g % 86400) end
     from generate_series(1, ${tasks}) g join fu on fu.rn = g % ${users}`,
  );
  if (executionsPerTask > 0) {
    await query(
      url,
      REPLICA,
      `insert into task_executions (task_id, user_id, status, started_at, completed_at, result, grounding_sources)
       select t.id, t.user_id, 'success', t.created_at + make_interval(hours => s), t.created_at + make_interval(hours => s, secs => 20),
              '{"evidence":"Nothing announced yet","confidence":0.7}'::jsonb, '[]'::jsonb
       from tasks t cross join generate_series(1, ${executionsPerTask}) s
       where t.name like 'Filler %'`,
    );
  }
  await query(url, 'vacuum analyze');
}

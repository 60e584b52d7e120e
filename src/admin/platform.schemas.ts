// The admin console's platform views, in Torale's shapes (its admin pages parse them):
// query strings and answers, shared by REST, OpenAPI and GraphQL.
import { type Static, Type } from '@sinclair/typebox';
import { AnyJson, DateTime, NullableDateTime, NullableString, StringEnum } from '../http/schemas.js';
import { EXECUTION_STATUSES } from '../tasks/task-states.js';

/** Torale's limits (its defaults and maxima), with an offset to page on. */
export const ADMIN_LIST_LIMITS = {
  queries: { default: 100, max: 500 },
  executions: { default: 50, max: 200 },
  jobs: { default: 100, max: 500 },
  maxOffset: 1_000_000,
} as const;

const page = (l: { default: number; max: number }) => ({
  limit: Type.Integer({ minimum: 1, maximum: l.max, default: l.default }),
  offset: Type.Integer({ minimum: 0, maximum: ADMIN_LIST_LIMITS.maxOffset, default: 0 }),
});

export const QueriesQuery = Type.Object({
  ...page(ADMIN_LIST_LIMITS.queries),
  active_only: Type.Boolean({ default: false }),
});
export type QueriesQuery = Static<typeof QueriesQuery>;

export const ExecutionsQuery = Type.Object({
  ...page(ADMIN_LIST_LIMITS.executions),
  status: Type.Optional(StringEnum(EXECUTION_STATUSES)),
  task_id: Type.Optional(Type.String({ format: 'uuid' })),
});
export type ExecutionsQuery = Static<typeof ExecutionsQuery>;

export const ErrorsQuery = Type.Object(page(ADMIN_LIST_LIMITS.executions));
export const JobsQuery = Type.Object(page(ADMIN_LIST_LIMITS.jobs));

const Count = Type.Integer({ minimum: 0 });

export const PlatformStatsSchema = Type.Object({
  users: Type.Object({ total: Count, capacity: Type.Integer(), available: Type.Integer() }),
  tasks: Type.Object({ total: Count, triggered: Count, trigger_rate: Type.String() }),
  executions_24h: Type.Object({ total: Count, failed: Count, success_rate: Type.String() }),
  popular_queries: Type.Array(Type.Object({ search_query: Type.String(), count: Count, triggered_count: Count })),
  estimated: Type.Boolean({
    description:
      'true on a large platform: `tasks.triggered` and `popular_queries` are scaled up from a sample of tasks',
  }),
});

export const AdminTaskSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  search_query: Type.String(),
  condition_description: Type.String(),
  next_run: NullableDateTime,
  state: Type.String(),
  has_notification: Type.Boolean(),
  created_at: DateTime,
  user_email: NullableString,
  execution_count: Count,
  trigger_count: Count,
  last_known_state: AnyJson,
  state_changed_at: NullableDateTime,
});
export const QueriesSchema = Type.Object({ queries: Type.Array(AdminTaskSchema), total: Count });

export const AdminExecutionSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  task_id: Type.String({ format: 'uuid' }),
  status: Type.String(),
  started_at: DateTime,
  completed_at: NullableDateTime,
  result: AnyJson,
  error_message: NullableString,
  notification: NullableString,
  grounding_sources: AnyJson,
  search_query: Type.String(),
  user_email: NullableString,
});
export const ExecutionsSchema = Type.Object({ executions: Type.Array(AdminExecutionSchema), total: Count });

export const AdminErrorSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  task_id: Type.String({ format: 'uuid' }),
  started_at: DateTime,
  completed_at: NullableDateTime,
  error_message: NullableString,
  search_query: Type.String(),
  task_name: Type.String(),
  user_email: NullableString,
});
export const ErrorsSchema = Type.Object({ errors: Type.Array(AdminErrorSchema), total: Count });

export const JobSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  next_run_time: NullableDateTime,
  paused: Type.Boolean(),
  trigger: Type.String(),
  due: Type.Boolean(),
});
export const JobsSchema = Type.Object({
  jobs: Type.Array(JobSchema),
  total: Count,
  due: Count,
});

// Every input of tasks and executions, once: REST validation and OpenAPI read these
// schemas, the GraphQL resolvers validate their (renamed) arguments against them, and the
// services take their static types. Response shapes of the REST API are here too.
import { type Static, Type } from '@sinclair/typebox';
import { AnyJson, DateTime, NullableDateTime, NullableString, nullable, StringEnum, Text } from '../http/schemas.js';
import { NO_NUL_PATTERN } from '../lib/validation.js';
import { CONTEXT_LIMITS } from './context.js';
import { EXECUTION_STATUSES, PUBLIC_SORTS, TASK_STATES } from './task-states.js';

export const TASK_LIMITS = {
  nameLength: 200,
  queryLength: 2000,
  conditionLength: 2000,
  notifications: 10,
  webhookHeaders: 20,
  webhookHeaderValueLength: 1024,
  webhookUrlLength: 2048,
  emailLength: 254,
  templateLength: 2000,
  /** executions list: default and maximum page */
  executionsDefault: 100,
  executionsMax: 500,
  /** public list: default and maximum page */
  publicDefault: 20,
  publicMax: 100,
  /**
   * public list: deepest offset. Deep offsets start from bookmarks of the sort order, so
   * they cost what the first page costs; past a million the cursor API is the way.
   */
  publicOffsetMax: 1_000_000,
} as const;

export const TaskStateSchema = StringEnum(TASK_STATES);

/** Torale's NotificationConfig: `null` means "not set", as its SDK sends it (`headers: null`). */
const orNull = <T extends ReturnType<typeof Type.String>>(schema: T) =>
  Type.Optional(Type.Union([schema, Type.Null()]));

export const NotificationInputSchema = Type.Object(
  {
    type: StringEnum(['email', 'webhook'] as const, { 'x-literal': true }), // Torale: Literal["email", "webhook"]
    address: orNull(Type.String()),
    template: orNull(
      Type.String({ maxLength: TASK_LIMITS.templateLength, pattern: NO_NUL_PATTERN, description: 'Kept, not used.' }),
    ),
    url: orNull(Type.String()),
    method: orNull(Type.String({ description: 'POST (default) or PUT' })),
    headers: Type.Optional(Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()])),
  },
  { additionalProperties: false },
);
export type NotificationInput = Static<typeof NotificationInputSchema>;

const taskFields = {
  name: Type.Optional(
    Text(TASK_LIMITS.nameLength, { description: 'Defaults to "New Monitor" (or the next free "New Monitor N").' }),
  ),
  condition_description: Type.Optional(Text(TASK_LIMITS.conditionLength, { description: 'Defaults to search_query.' })),
  state: Type.Optional(TaskStateSchema),
  run_immediately: Type.Optional(Type.Boolean()),
  notifications: Type.Optional(
    Type.Array(NotificationInputSchema, {
      maxItems: TASK_LIMITS.notifications,
      description: 'On create, absent = your enabled default webhook (PUT /api/v1/webhooks/config), if any.',
    }),
  ),
  context: Type.Optional(
    Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], {
      description: `Any JSON object (≤ ${CONTEXT_LIMITS.bytes / 1024} KiB, ≤ ${CONTEXT_LIMITS.depth} levels), returned on the task and to webhook receivers as \`data.context\`; null clears it.`,
    }),
  ),
  attached_connector_slugs: Type.Optional(
    Type.Array(Type.String({ maxLength: 100 }), {
      maxItems: 20,
      description: 'Accepted for the dashboard; connectors are not supported, so only an empty list (else 400).',
    }),
  ),
};

export const CreateTaskBody = Type.Object(
  { ...taskFields, search_query: Text(TASK_LIMITS.queryLength) },
  { additionalProperties: false },
);
export type CreateTaskBody = Static<typeof CreateTaskBody>;

export const UpdateTaskBody = Type.Object(
  { ...taskFields, search_query: Type.Optional(Text(TASK_LIMITS.queryLength)) },
  { additionalProperties: false },
);
export type UpdateTaskBody = Static<typeof UpdateTaskBody>;

/** A task id in a path: not a UUID is Torale's 422 (`uuid_parsing` at `["path", "task_id"]`), not a 404. */
export const TaskIdParams = Type.Object({ task_id: Type.String({ format: 'uuid' }) });

export const ListTasksQuery = Type.Object({ state: Type.Optional(TaskStateSchema) });

export const VisibilityBody = Type.Object({ is_public: Type.Boolean() }, { additionalProperties: false });

/** A body is optional here: none, null or `{}` all mean "name it for me". */
export const ForkBody = Type.Unsafe<{ name?: string } | null>({
  type: ['object', 'null'],
  properties: { name: Text(TASK_LIMITS.nameLength) },
  additionalProperties: false,
});

/** Run Now overrides a live run, as Torale's does; `force=false` asks for the 409 instead. */
export const ExecuteQuery = Type.Object({ force: Type.Boolean({ default: true }) });

export const ExecutionsQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: TASK_LIMITS.executionsMax, default: TASK_LIMITS.executionsDefault }),
});

export const PublicTasksQuery = Type.Object({
  offset: Type.Integer({ minimum: 0, maximum: TASK_LIMITS.publicOffsetMax, default: 0 }),
  limit: Type.Integer({ minimum: 1, maximum: TASK_LIMITS.publicMax, default: TASK_LIMITS.publicDefault }),
  sort_by: StringEnum(PUBLIC_SORTS, { default: 'recent' }),
});
export type PublicTasksQuery = Static<typeof PublicTasksQuery>;

// --- responses ---------------------------------------------------------------------------

export const GroundingSourceSchema = Type.Object({
  url: Type.String(),
  title: Type.String({ description: "The URL's host (Torale's title), or the text itself when it is not a URL." }),
});

export const ExecutionSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  task_id: Type.String({ format: 'uuid' }),
  status: StringEnum(EXECUTION_STATUSES),
  started_at: NullableDateTime,
  completed_at: NullableDateTime,
  result: Type.Unsafe<unknown>({
    description:
      "Torale's stored result: `{evidence, notification, confidence, next_run, grounding_sources, activity, metadata: {changed, current_state}, notification_failed, auto_complete_failed}` (+ `topic`); null until the run succeeds.",
  }),
  error_message: NullableString,
  notification: NullableString,
  grounding_sources: Type.Array(GroundingSourceSchema),
  created_at: Type.Optional(NullableDateTime),
});

export const TaskSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  user_id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  search_query: Type.String(),
  condition_description: Type.String(),
  state: TaskStateSchema,
  next_run: NullableDateTime,
  is_public: Type.Boolean(),
  view_count: Type.Integer(),
  subscriber_count: Type.Integer(),
  forked_from_task_id: NullableString,
  last_known_state: AnyJson,
  last_execution_id: NullableString,
  last_execution: nullable(ExecutionSchema),
  notifications: Type.Array(Type.Object({}, { additionalProperties: true }), {
    description: "Torale's NotificationConfig: `{type, address, template, url, method, headers}`, null where unset.",
  }),
  attached_connector_slugs: Type.Array(Type.String(), {
    maxItems: 0,
    description: "Torale's connector toolkits of the task: always empty (connectors are not supported).",
  }),
  context: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
  notification_channels: Type.Array(StringEnum(['email', 'webhook'] as const), {
    description: 'The channel types of `notifications`, in order (Torale API compatibility).',
  }),
  notification_email: Type.Union([Type.String(), Type.Null()], {
    description: 'The address of the email notification, if any.',
  }),
  webhook_url: Type.Union([Type.String(), Type.Null()], {
    description: 'The URL of the webhook notification, if any.',
  }),
  state_changed_at: NullableDateTime,
  created_at: NullableDateTime,
  updated_at: NullableDateTime,
  immediate_execution_error: Type.Union([Type.String(), Type.Null()], {
    description:
      'Why the run asked for with `run_immediately` could not start; null otherwise (on every task, as Torale).',
  }),
  webhook_secret: Type.Optional(
    Type.String({ description: 'Only in the response of the request that set or changed the webhook.' }),
  ),
});

export const PublicTaskPageSchema = Type.Object({
  tasks: Type.Array(TaskSchema),
  total: Type.Integer(),
  offset: Type.Integer(),
  limit: Type.Integer(),
});

export const VisibilitySchema = Type.Object({ is_public: Type.Boolean() });
export { DateTime };

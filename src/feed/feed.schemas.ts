// The feeds of the dashboard: recent successful runs that produced a notification, with
// the task they belong to (Torale's `FeedExecution`). Shared by REST, OpenAPI and GraphQL.
import { type Static, Type } from '@sinclair/typebox';
import { NullableString } from '../http/schemas.js';
import { ExecutionSchema } from '../tasks/tasks.schemas.js';

export const FEED_LIMITS = { default: 50, max: 100 } as const;

export const FeedQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: FEED_LIMITS.max, default: FEED_LIMITS.default }),
});
export type FeedQuery = Static<typeof FeedQuery>;

const taskFields = {
  task_name: Type.String(),
  task_search_query: NullableString,
  task_is_public: Type.Boolean(),
};

export const FeedExecutionSchema = Type.Object({
  ...ExecutionSchema.properties,
  ...taskFields,
  task_user_id: Type.String({ format: 'uuid' }),
});

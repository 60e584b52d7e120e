// GraphQL types of tasks and executions. Enum values are the REST spellings of
// task-states.ts, under GraphQL's upper-case names.
import { GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ExecutionRow, Notification } from '../db/types.js';
import { CacheControl, ListSize } from '../graphql/directives.js';
import { EXECUTION_STATUSES, type ExecutionStatus, PUBLIC_SORTS, TASK_STATES, type TaskState } from './task-states.js';
import type { TaskExtras } from './tasks.json.js';
import type { TaskWithLast } from './tasks.repository.js';

/** { ACTIVE: 'active', … } for type-graphql, from the one list of values. */
const graphqlEnum = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [v.toUpperCase(), v])) as Record<Uppercase<T>, T>;

export const TaskStateEnum = graphqlEnum(TASK_STATES);
export const ExecutionStatusEnum = graphqlEnum(EXECUTION_STATUSES);
export const NotificationTypeEnum = graphqlEnum(['email', 'webhook'] as const);
export const PublicTaskSortEnum = graphqlEnum(PUBLIC_SORTS);
type NotificationKind = Notification['type'];
registerEnumType(TaskStateEnum, { name: 'TaskState' });
registerEnumType(ExecutionStatusEnum, { name: 'ExecutionStatus' });
registerEnumType(NotificationTypeEnum, { name: 'NotificationType' });
registerEnumType(PublicTaskSortEnum, { name: 'PublicTaskSort' });

@CacheControl({ inheritMaxAge: true })
@ObjectType('Notification')
export class NotificationType {
  @Field(() => NotificationTypeEnum) type!: NotificationKind;
  @Field(() => String, { nullable: true }) address!: string | null;
  @Field(() => String, { nullable: true }) url!: string | null;
  @Field(() => String, { nullable: true }) method!: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true }) headers!: Record<string, string> | null;
  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'Webhooks: when the gateway disabled it (saving the webhook turns it on again).',
  })
  disabledAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'Webhooks: `gone` (410 answer) or `failing`.' })
  disabledReason!: string | null;
}

@InputType('NotificationInput')
export class NotificationInput {
  @Field(() => NotificationTypeEnum) type!: NotificationKind;
  @Field(() => String, { nullable: true }) address?: string | null;
  @Field(() => String, { nullable: true }) url?: string | null;
  @Field(() => String, { nullable: true, description: 'POST (default) or PUT' }) method?: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true }) headers?: Record<string, string> | null;
}

@CacheControl({ inheritMaxAge: true })
@ObjectType('Execution')
export class ExecutionType {
  @Field(() => ID) id!: string;
  @Field(() => ID) taskId!: string;
  @Field(() => ExecutionStatusEnum) status!: ExecutionStatus;
  @Field(() => GraphQLISODateTime) startedAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) completedAt!: Date | null;
  @Field(() => GraphQLJSON, { nullable: true }) result!: unknown;
  @CacheControl({ scope: 'PRIVATE' })
  @Field(() => String, { nullable: true })
  errorMessage!: string | null;
  @Field(() => String, { nullable: true }) notification!: string | null;
  @Field(() => GraphQLJSON) groundingSources!: unknown;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
}

@CacheControl({ inheritMaxAge: true })
@ObjectType('Task')
export class TaskType {
  @Field(() => ID) id!: string;
  @Field(() => ID) userId!: string;
  @Field(() => String) name!: string;
  @Field(() => String) searchQuery!: string;
  @Field(() => String) conditionDescription!: string;
  @Field(() => TaskStateEnum) state!: TaskState;
  @Field(() => GraphQLISODateTime, { nullable: true }) nextRun!: Date | null;
  @Field(() => Boolean) isPublic!: boolean;
  @Field(() => Int) viewCount!: number;
  @Field(() => Int) subscriberCount!: number;
  @Field(() => ID, { nullable: true }) forkedFromTaskId!: string | null;
  @Field(() => GraphQLJSON, { nullable: true }) lastKnownState!: unknown;
  @Field(() => ID, { nullable: true }) lastExecutionId!: string | null;
  @Field(() => ExecutionType, { nullable: true }) lastExecution!: ExecutionType | null;
  @CacheControl({ scope: 'PRIVATE' })
  @ListSize({ assumedSize: 2 })
  @Field(() => [NotificationType])
  notifications!: NotificationType[];
  @Field(() => GraphQLJSONObject, { nullable: true, description: "Torale's context: handed to webhook receivers." })
  context!: Record<string, unknown> | null;
  @Field(() => GraphQLISODateTime) stateChangedAt!: Date;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime) updatedAt!: Date;
  @Field(() => String, { nullable: true, description: 'Only on create/update with runImmediately.' })
  immediateExecutionError?: string | null;
  @CacheControl({ scope: 'PRIVATE' })
  @Field(() => String, {
    nullable: true,
    description: 'The webhook signing secret, only in the response of the request that set or changed the webhook.',
  })
  webhookSecret?: string | null;
}

@InputType('CreateTaskInput')
export class CreateTaskInput {
  @Field(() => String, { nullable: true, description: 'Defaults to "New Monitor" (or the next free "New Monitor N").' })
  name?: string | null;
  @Field(() => String) searchQuery!: string;
  @Field(() => String, { nullable: true, description: 'Defaults to searchQuery.' }) conditionDescription?:
    | string
    | null;
  @Field(() => TaskStateEnum, { nullable: true }) state?: TaskState | null;
  @Field(() => Boolean, { nullable: true }) runImmediately?: boolean | null;
  @Field(() => [NotificationInput], { nullable: true }) notifications?: NotificationInput[] | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Any JSON object (≤ 16 KiB, ≤ 10 levels).' })
  context?: Record<string, unknown> | null;
}

@InputType('UpdateTaskInput')
export class UpdateTaskInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) searchQuery?: string | null;
  @Field(() => String, { nullable: true }) conditionDescription?: string | null;
  @Field(() => TaskStateEnum, { nullable: true }) state?: TaskState | null;
  @Field(() => Boolean, { nullable: true }) runImmediately?: boolean | null;
  @Field(() => [NotificationInput], { nullable: true }) notifications?: NotificationInput[] | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Replaces the context (null = unchanged).' })
  context?: Record<string, unknown> | null;
}

@CacheControl({ inheritMaxAge: true })
@ObjectType('PublicTaskPage')
export class PublicTaskPageType {
  @Field(() => [TaskType]) tasks!: TaskType[];
  /** Resolved only when asked (PublicTasksResolver.total). */
  total?: number;
  @Field(() => Int) offset!: number;
  @Field(() => Int) limit!: number;
}

// --- mapping ---------------------------------------------------------------------------

export const toExecutionType = (e: ExecutionRow): ExecutionType => ({
  id: e.id,
  taskId: e.task_id,
  status: e.status,
  startedAt: e.started_at,
  completedAt: e.completed_at,
  result: e.result,
  errorMessage: e.error_message,
  notification: e.notification,
  groundingSources: e.grounding_sources,
  createdAt: e.created_at,
});

const toNotificationType = (n: Notification, t: TaskWithLast): NotificationType =>
  n.type === 'email'
    ? {
        type: 'email',
        address: n.address,
        url: null,
        method: null,
        headers: null,
        disabledAt: null,
        disabledReason: null,
      }
    : {
        type: 'webhook',
        address: null,
        url: n.url,
        method: n.method,
        headers: n.headers,
        disabledAt: t.webhook_disabled_at ? new Date(t.webhook_disabled_at) : null,
        disabledReason: t.webhook_disabled_reason ?? null,
      };

export const toTaskType = (t: TaskWithLast, extra: TaskExtras = {}): TaskType => ({
  id: t.id,
  userId: t.user_id,
  name: t.name,
  searchQuery: t.search_query,
  conditionDescription: t.condition_description,
  state: t.state,
  nextRun: t.next_run,
  isPublic: t.is_public,
  viewCount: t.view_count,
  subscriberCount: t.subscriber_count,
  forkedFromTaskId: t.forked_from_task_id,
  lastKnownState: t.last_known_state,
  lastExecutionId: t.last_execution_id,
  lastExecution: t.last_execution ? toExecutionType(t.last_execution) : null,
  notifications: t.notifications.map((n) => toNotificationType(n, t)),
  context: t.context ?? null,
  stateChangedAt: t.state_changed_at,
  createdAt: t.created_at,
  updatedAt: t.updated_at,
  immediateExecutionError: extra.immediateExecutionError ?? null,
  webhookSecret: extra.webhookSecret ?? null,
});

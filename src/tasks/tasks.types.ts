// GraphQL types of tasks and executions, and the REST JSON of the same rows.
import { GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ExecutionRow, Notification } from '../db/types.js';
import type { TaskWithLast } from './tasks.repository.js';
import type { TaskResult } from './tasks.service.js';

export enum TaskStateEnum {
  ACTIVE = 'active',
  PAUSED = 'paused',
  COMPLETED = 'completed',
}
export enum ExecutionStatusEnum {
  PENDING = 'pending',
  RUNNING = 'running',
  SUCCESS = 'success',
  RETRYING = 'retrying',
  FAILED = 'failed',
  CANCELLED = 'cancelled',
}
export enum NotificationTypeEnum {
  EMAIL = 'email',
  WEBHOOK = 'webhook',
}
export enum PublicTaskSortEnum {
  RECENT = 'recent',
  POPULAR = 'popular',
}
registerEnumType(TaskStateEnum, { name: 'TaskState' });
registerEnumType(ExecutionStatusEnum, { name: 'ExecutionStatus' });
registerEnumType(NotificationTypeEnum, { name: 'NotificationType' });
registerEnumType(PublicTaskSortEnum, { name: 'PublicTaskSort' });

@ObjectType('Notification')
export class NotificationType {
  @Field(() => NotificationTypeEnum) type!: NotificationTypeEnum;
  @Field(() => String, { nullable: true }) address!: string | null;
  @Field(() => String, { nullable: true }) url!: string | null;
  @Field(() => String, { nullable: true }) method!: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true }) headers!: Record<string, string> | null;
}

@InputType('NotificationInput')
export class NotificationInput {
  @Field(() => NotificationTypeEnum) type!: NotificationTypeEnum;
  @Field(() => String, { nullable: true }) address?: string | null;
  @Field(() => String, { nullable: true }) url?: string | null;
  @Field(() => String, { nullable: true, description: 'POST (default) or PUT' }) method?: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true }) headers?: Record<string, unknown> | null;
}

@ObjectType('Execution')
export class ExecutionType {
  @Field(() => ID) id!: string;
  @Field(() => ID) taskId!: string;
  @Field(() => ExecutionStatusEnum) status!: ExecutionStatusEnum;
  @Field(() => GraphQLISODateTime) startedAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) completedAt!: Date | null;
  @Field(() => GraphQLJSON, { nullable: true }) result!: unknown;
  @Field(() => String, { nullable: true }) errorMessage!: string | null;
  @Field(() => String, { nullable: true }) notification!: string | null;
  @Field(() => GraphQLJSON) groundingSources!: unknown;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
}

@ObjectType('Task')
export class TaskType {
  @Field(() => ID) id!: string;
  @Field(() => ID) userId!: string;
  @Field(() => String) name!: string;
  @Field(() => String) searchQuery!: string;
  @Field(() => String) conditionDescription!: string;
  @Field(() => TaskStateEnum) state!: TaskStateEnum;
  @Field(() => GraphQLISODateTime, { nullable: true }) nextRun!: Date | null;
  @Field(() => Boolean) isPublic!: boolean;
  @Field(() => Int) viewCount!: number;
  @Field(() => Int) subscriberCount!: number;
  @Field(() => ID, { nullable: true }) forkedFromTaskId!: string | null;
  @Field(() => GraphQLJSON, { nullable: true }) lastKnownState!: unknown;
  @Field(() => ID, { nullable: true }) lastExecutionId!: string | null;
  @Field(() => ExecutionType, { nullable: true }) lastExecution!: ExecutionType | null;
  @Field(() => [NotificationType]) notifications!: NotificationType[];
  @Field(() => GraphQLISODateTime) stateChangedAt!: Date;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime) updatedAt!: Date;
  @Field(() => String, { nullable: true, description: 'Only on create/update with runImmediately.' })
  immediateExecutionError?: string | null;
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
  @Field(() => TaskStateEnum, { nullable: true }) state?: TaskStateEnum | null;
  @Field(() => Boolean, { nullable: true }) runImmediately?: boolean | null;
  @Field(() => [NotificationInput], { nullable: true }) notifications?: NotificationInput[] | null;
}

@InputType('UpdateTaskInput')
export class UpdateTaskInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) searchQuery?: string | null;
  @Field(() => String, { nullable: true }) conditionDescription?: string | null;
  @Field(() => TaskStateEnum, { nullable: true }) state?: TaskStateEnum | null;
  @Field(() => Boolean, { nullable: true }) runImmediately?: boolean | null;
  @Field(() => [NotificationInput], { nullable: true }) notifications?: NotificationInput[] | null;
}

@ObjectType('PublicTaskPage')
export class PublicTaskPageType {
  @Field(() => [TaskType]) tasks!: TaskType[];
  @Field(() => Int) total!: number;
  @Field(() => Int) offset!: number;
  @Field(() => Int) limit!: number;
}

// --- mapping ---------------------------------------------------------------------------

export const toExecutionType = (e: ExecutionRow): ExecutionType => ({
  id: e.id,
  taskId: e.task_id,
  status: e.status as ExecutionStatusEnum,
  startedAt: e.started_at,
  completedAt: e.completed_at,
  result: e.result,
  errorMessage: e.error_message,
  notification: e.notification,
  groundingSources: e.grounding_sources,
  createdAt: e.created_at,
});

const toNotificationType = (n: Notification): NotificationType =>
  n.type === 'email'
    ? { type: NotificationTypeEnum.EMAIL, address: n.address, url: null, method: null, headers: null }
    : { type: NotificationTypeEnum.WEBHOOK, address: null, url: n.url, method: n.method, headers: n.headers };

export const toTaskType = (t: TaskWithLast, extra: Omit<TaskResult, 'task'> = {}): TaskType => ({
  id: t.id,
  userId: t.user_id,
  name: t.name,
  searchQuery: t.search_query,
  conditionDescription: t.condition_description,
  state: t.state as TaskStateEnum,
  nextRun: t.next_run,
  isPublic: t.is_public,
  viewCount: t.view_count,
  subscriberCount: t.subscriber_count,
  forkedFromTaskId: t.forked_from_task_id,
  lastKnownState: t.last_known_state,
  lastExecutionId: t.last_execution_id,
  lastExecution: t.last_execution ? toExecutionType(t.last_execution) : null,
  notifications: t.notifications.map(toNotificationType),
  stateChangedAt: t.state_changed_at,
  createdAt: t.created_at,
  updatedAt: t.updated_at,
  immediateExecutionError: extra.immediateExecutionError ?? null,
  webhookSecret: extra.webhookSecret ?? null,
});

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const toExecutionJson = (e: ExecutionRow) => ({
  id: e.id,
  task_id: e.task_id,
  status: e.status,
  started_at: iso(e.started_at),
  completed_at: iso(e.completed_at),
  result: e.result ?? null,
  error_message: e.error_message,
  notification: e.notification,
  grounding_sources: e.grounding_sources ?? [],
  created_at: iso(e.created_at),
});

export const toTaskJson = (t: TaskWithLast, extra: Omit<TaskResult, 'task'> = {}) => ({
  id: t.id,
  user_id: t.user_id,
  name: t.name,
  search_query: t.search_query,
  condition_description: t.condition_description,
  state: t.state,
  next_run: iso(t.next_run),
  is_public: t.is_public,
  view_count: t.view_count,
  subscriber_count: t.subscriber_count,
  forked_from_task_id: t.forked_from_task_id,
  last_known_state: t.last_known_state ?? null,
  last_execution_id: t.last_execution_id,
  last_execution: t.last_execution ? toExecutionJson(t.last_execution) : null,
  notifications: t.notifications,
  state_changed_at: iso(t.state_changed_at),
  created_at: iso(t.created_at),
  updated_at: iso(t.updated_at),
  ...('immediateExecutionError' in extra && { immediate_execution_error: extra.immediateExecutionError ?? null }),
  ...(extra.webhookSecret && { webhook_secret: extra.webhookSecret }),
});

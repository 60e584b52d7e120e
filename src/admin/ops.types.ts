// GraphQL types of the admin console's platform views and waitlist: `admin { stats waitlist … }`.
import { GraphQLJSON } from 'graphql-scalars';
import { Field, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { WaitlistRow } from '../db/types.js';
import { ListSize } from '../graphql/directives.js';
import { WAITLIST_STATUSES } from '../waitlist/waitlist-statuses.js';
import {
  type AdminExecutionRow,
  type AdminTaskRow,
  POPULAR_QUERIES,
  type ScheduledRow,
} from './platform.repository.js';
import type { platformStats } from './platform.service.js';

export const WaitlistStatusEnum = Object.fromEntries(WAITLIST_STATUSES.map((s) => [s.toUpperCase(), s])) as {
  PENDING: 'pending';
  INVITED: 'invited';
  CONVERTED: 'converted';
};
registerEnumType(WaitlistStatusEnum, { name: 'WaitlistStatus' });

@ObjectType('AdminUserCounts')
class AdminUserCountsType {
  @Field(() => Int) total!: number;
  @Field(() => Int) capacity!: number;
  @Field(() => Int) available!: number;
}

@ObjectType('AdminTaskCounts')
class AdminTaskCountsType {
  @Field(() => Int, { description: 'Active tasks.' }) total!: number;
  @Field(() => Int, { description: 'Active tasks whose last run notified.' }) triggered!: number;
  @Field(() => String) triggerRate!: string;
}

@ObjectType('AdminRunCounts')
class AdminRunCountsType {
  @Field(() => Int) total!: number;
  @Field(() => Int) failed!: number;
  @Field(() => String) successRate!: string;
}

@ObjectType('AdminPopularQuery')
class AdminPopularQueryType {
  @Field(() => String) searchQuery!: string;
  @Field(() => Int) count!: number;
  @Field(() => Int) triggeredCount!: number;
}

@ObjectType('AdminStats')
export class AdminStatsType {
  @Field(() => AdminUserCountsType) users!: AdminUserCountsType;
  @Field(() => AdminTaskCountsType) tasks!: AdminTaskCountsType;
  @Field(() => AdminRunCountsType) executions24h!: AdminRunCountsType;
  @ListSize({ assumedSize: POPULAR_QUERIES })
  @Field(() => [AdminPopularQueryType])
  popularQueries!: AdminPopularQueryType[];
  @Field(() => Boolean, { description: 'Task and run figures scaled up from samples (a large platform).' })
  estimated!: boolean;
}

export const toAdminStatsType = (s: Awaited<ReturnType<typeof platformStats>>): AdminStatsType => ({
  users: s.users,
  tasks: { total: s.tasks.total, triggered: s.tasks.triggered, triggerRate: s.tasks.trigger_rate },
  executions24h: { ...s.executions_24h, successRate: s.executions_24h.success_rate },
  popularQueries: s.popular_queries.map((p) => ({
    searchQuery: p.search_query,
    count: p.count,
    triggeredCount: p.triggered_count,
  })),
  estimated: s.estimated,
});

@ObjectType('WaitlistEntry')
export class WaitlistEntryType {
  @Field(() => ID) id!: string;
  @Field(() => String) email!: string;
  @Field(() => WaitlistStatusEnum) status!: string;
  @Field(() => GraphQLISODateTime, { nullable: true }) invitedAt!: Date | null;
  @Field(() => String, { nullable: true }) notes!: string | null;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
}

export const toWaitlistEntryType = (w: WaitlistRow): WaitlistEntryType => ({
  id: w.id,
  email: w.email,
  status: w.status,
  invitedAt: w.invited_at,
  notes: w.notes,
  createdAt: w.created_at,
});

@ObjectType('WaitlistStats')
export class WaitlistStatsType {
  @Field(() => Int) pending!: number;
  @Field(() => Int) invited!: number;
  @Field(() => Int) converted!: number;
  @Field(() => Int) total!: number;
}

@ObjectType('AdminTask')
export class AdminTaskType {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String) searchQuery!: string;
  @Field(() => String) state!: string;
  @Field(() => GraphQLISODateTime, { nullable: true }) nextRun!: Date | null;
  @Field(() => Boolean) hasNotification!: boolean;
  @Field(() => String, { nullable: true }) userEmail!: string | null;
  @Field(() => Int) executionCount!: number;
  @Field(() => Int) triggerCount!: number;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
}

export const toAdminTaskType = (t: AdminTaskRow): AdminTaskType => ({
  id: t.id,
  name: t.name,
  searchQuery: t.search_query,
  state: t.state,
  nextRun: t.next_run,
  hasNotification: t.last_notification !== null,
  userEmail: t.user_email,
  executionCount: t.execution_count,
  triggerCount: t.trigger_count,
  createdAt: t.created_at,
});

@ObjectType('AdminExecution')
export class AdminExecutionType {
  @Field(() => ID) id!: string;
  @Field(() => ID) taskId!: string;
  @Field(() => String) taskName!: string;
  @Field(() => String) status!: string;
  @Field(() => GraphQLISODateTime) startedAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) completedAt!: Date | null;
  @Field(() => GraphQLJSON, { nullable: true }) result!: unknown;
  @Field(() => String, { nullable: true }) errorMessage!: string | null;
  @Field(() => String, { nullable: true }) notification!: string | null;
  @Field(() => String) searchQuery!: string;
  @Field(() => String, { nullable: true }) userEmail!: string | null;
}

export const toAdminExecutionType = (e: AdminExecutionRow): AdminExecutionType => ({
  id: e.id,
  taskId: e.task_id,
  taskName: e.task_name,
  status: e.status,
  startedAt: e.started_at,
  completedAt: e.completed_at,
  result: e.result ?? null,
  errorMessage: e.error_message,
  notification: e.notification,
  searchQuery: e.search_query,
  userEmail: e.user_email,
});

@ObjectType('SchedulerJob')
export class SchedulerJobType {
  @Field(() => ID) taskId!: string;
  @Field(() => String) name!: string;
  @Field(() => GraphQLISODateTime) nextRunTime!: Date;
  @Field(() => Boolean) due!: boolean;
}

@ObjectType('SchedulerJobs')
export class SchedulerJobsType {
  @Field(() => [SchedulerJobType]) jobs!: SchedulerJobType[];
  @Field(() => Int, { description: 'Tasks with a next run set.' }) total!: number;
  @Field(() => Int, { description: 'Of those, the ones whose time has come.' }) due!: number;
}

export const toSchedulerJobType = (s: ScheduledRow, now: Date): SchedulerJobType => ({
  taskId: s.id,
  name: s.name,
  nextRunTime: s.next_dispatch_at,
  due: s.next_dispatch_at <= now,
});

@ObjectType('AdminTaskReset')
export class AdminTaskResetType {
  @Field(() => ID) taskId!: string;
  @Field(() => Int) executionsDeleted!: number;
  @Field(() => Int) days!: number;
}

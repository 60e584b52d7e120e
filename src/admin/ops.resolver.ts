// GraphQL over the admin console's platform views, task actions and waitlist: fields of
// `admin { … }` (the root field checked the caller) and admin-only mutations. Each runs the
// same service method, with the same input schema, as its /admin/* route.
import { Type } from '@sinclair/typebox';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver } from 'type-graphql';
import { Access } from '../graphql/access.js';
import { argumentRule } from '../graphql/arguments.js';
import type { GraphQLContext } from '../graphql/context.js';
import { ListSize } from '../graphql/directives.js';
import type { TaskState } from '../tasks/task-states.js';
import { ExecutionType, TaskStateEnum, TaskType, toExecutionType, toTaskType } from '../tasks/tasks.types.js';
import { UpdateWaitlistBody, WaitlistQuery } from '../waitlist/waitlist.schemas.js';
import type { WaitlistService } from '../waitlist/waitlist.service.js';
import { AdminQueryType } from './admin.types.js';
import {
  AdminExecutionType,
  AdminStatsType,
  AdminTaskResetType,
  AdminTaskType,
  SchedulerJobsType,
  toAdminExecutionType,
  toAdminStatsType,
  toAdminTaskType,
  toSchedulerJobType,
  toWaitlistEntryType,
  WaitlistEntryType,
  WaitlistStatsType,
  WaitlistStatusEnum,
} from './ops.types.js';
import { ErrorsQuery, ExecutionsQuery, JobsQuery, QueriesQuery } from './platform.schemas.js';
import type { PlatformService } from './platform.service.js';
import type { TaskActionsService } from './task-actions.service.js';

const defined = (a: Record<string, unknown>) => Object.fromEntries(Object.entries(a).filter(([, v]) => v != null));
const snake = (a: Record<string, unknown>) =>
  defined(
    Object.fromEntries(Object.entries(a).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v])),
  );
const waitlistArgs = argumentRule(WaitlistQuery, 'query', (a: Record<string, unknown>) =>
  defined({ status_filter: a.status, limit: a.limit, offset: a.offset }),
);
const queriesArgs = argumentRule(QueriesQuery, 'query', snake);
const executionsArgs = argumentRule(ExecutionsQuery, 'query', snake);
const errorsArgs = argumentRule(ErrorsQuery, 'query', defined);
const jobsArgs = argumentRule(JobsQuery, 'query', defined);
// The rules see every argument of their field: the ids are part of their schemas.
const updateArgs = argumentRule(
  Type.Object({ id: Type.String(), ...UpdateWaitlistBody.properties }, { additionalProperties: false }),
  'body',
  defined,
);
const resetArgs = argumentRule(
  Type.Object({ taskId: Type.String(), days: Type.Integer({ minimum: 1, maximum: 30, default: 1 }) }),
  'query',
  defined,
);

interface OpsServices {
  platform: PlatformService;
  taskActions: TaskActionsService;
  waitlist: WaitlistService;
}

@Resolver(() => AdminQueryType)
export class AdminOpsResolver {
  constructor(private readonly services: OpsServices) {}

  @FieldResolver(() => AdminStatsType, { description: "Users, active tasks, the day's runs, common queries." })
  async stats(@Ctx() ctx: GraphQLContext): Promise<AdminStatsType> {
    return toAdminStatsType(await this.services.platform.stats(ctx.viewer));
  }

  @FieldResolver(() => [WaitlistEntryType], { description: 'Waitlist entries in sign-up order.' })
  @ListSize({ slicingArguments: ['limit'], requireOneSlicingArgument: false })
  @waitlistArgs.decorator
  async waitlist(
    @Arg('status', () => WaitlistStatusEnum, { nullable: true }) status: string | null,
    @Arg('limit', () => Int, { nullable: true }) limit: number | null,
    @Arg('offset', () => Int, { nullable: true }) offset: number | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WaitlistEntryType[]> {
    const q = waitlistArgs.parse({ status, limit, offset });
    const rows = await this.services.waitlist.list(ctx.viewer, { ...q, status: q.status_filter });
    return rows.map(toWaitlistEntryType);
  }

  @FieldResolver(() => WaitlistStatsType)
  async waitlistStats(@Ctx() ctx: GraphQLContext): Promise<WaitlistStatsType> {
    return this.services.waitlist.stats(ctx.viewer);
  }

  @FieldResolver(() => [AdminTaskType], { description: "Every user's tasks, newest first." })
  @ListSize({ slicingArguments: ['limit'], requireOneSlicingArgument: false })
  @queriesArgs.decorator
  async queries(
    @Arg('limit', () => Int, { nullable: true }) limit: number | null,
    @Arg('offset', () => Int, { nullable: true }) offset: number | null,
    @Arg('activeOnly', () => Boolean, { nullable: true }) activeOnly: boolean | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AdminTaskType[]> {
    const q = queriesArgs.parse({ limit, offset, activeOnly });
    return (await this.services.platform.tasks(ctx.viewer, q)).map(toAdminTaskType);
  }

  @FieldResolver(() => [AdminExecutionType], { description: "Every user's runs, newest first." })
  @ListSize({ slicingArguments: ['limit'], requireOneSlicingArgument: false })
  @executionsArgs.decorator
  async executions(
    @Arg('limit', () => Int, { nullable: true }) limit: number | null,
    @Arg('offset', () => Int, { nullable: true }) offset: number | null,
    @Arg('status', () => String, { nullable: true }) status: string | null,
    @Arg('taskId', () => ID, { nullable: true }) taskId: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AdminExecutionType[]> {
    const q = executionsArgs.parse({ limit, offset, status, taskId });
    return (await this.services.platform.executions(ctx.viewer, q)).map(toAdminExecutionType);
  }

  @FieldResolver(() => [AdminExecutionType], { description: 'Failed runs, newest first.' })
  @ListSize({ slicingArguments: ['limit'], requireOneSlicingArgument: false })
  @errorsArgs.decorator
  async errors(
    @Arg('limit', () => Int, { nullable: true }) limit: number | null,
    @Arg('offset', () => Int, { nullable: true }) offset: number | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AdminExecutionType[]> {
    return (await this.services.platform.errors(ctx.viewer, errorsArgs.parse({ limit, offset }))).map(
      toAdminExecutionType,
    );
  }

  @FieldResolver(() => SchedulerJobsType, { description: "The dispatcher's schedule, soonest first." })
  @ListSize({ slicingArguments: ['limit'], sizedFields: ['jobs'], requireOneSlicingArgument: false })
  @jobsArgs.decorator
  async schedulerJobs(
    @Arg('limit', () => Int, { nullable: true }) limit: number | null,
    @Arg('offset', () => Int, { nullable: true }) offset: number | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SchedulerJobsType> {
    const s = await this.services.platform.schedule(ctx.viewer, jobsArgs.parse({ limit, offset }));
    return { jobs: s.rows.map((r) => toSchedulerJobType(r, s.now)), total: s.total, due: s.due };
  }

  @Access.admin()
  @Mutation(() => WaitlistEntryType, {
    description: 'Invite, convert or re-queue a waitlist entry, and/or set its notes.',
  })
  @updateArgs.decorator
  async updateWaitlistEntry(
    @Arg('id', () => ID) id: string,
    @Arg('status', () => WaitlistStatusEnum, { nullable: true }) status: string | null,
    @Arg('notes', () => String, { nullable: true }) notes: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WaitlistEntryType> {
    const { id: _, ...patch } = updateArgs.parse({ id, status, notes });
    return toWaitlistEntryType(await this.services.waitlist.update(ctx.viewer, id, patch));
  }

  @Access.admin()
  @Mutation(() => Boolean, { description: 'Remove a waitlist entry.' })
  async deleteWaitlistEntry(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await this.services.waitlist.remove(ctx.viewer, id);
    return true;
  }

  @Access.admin()
  @Mutation(() => ExecutionType, { description: "Run Now on anyone's task (a live run is cancelled for it)." })
  async adminExecuteTask(@Arg('taskId', () => ID) taskId: string, @Ctx() ctx: GraphQLContext): Promise<ExecutionType> {
    const exec = await this.services.taskActions.execute(ctx.viewer, taskId, { suppressNotifications: false });
    return toExecutionType(exec);
  }

  @Access.admin()
  @Mutation(() => TaskType, { description: "Move anyone's task through the state machine." })
  async adminSetTaskState(
    @Arg('taskId', () => ID) taskId: string,
    @Arg('state', () => TaskStateEnum) state: TaskState,
    @Ctx() ctx: GraphQLContext,
  ): Promise<TaskType> {
    return toTaskType((await this.services.taskActions.setState(ctx.viewer, taskId, state)).task);
  }

  @Access.admin()
  @Mutation(() => AdminTaskResetType, { description: "Forget a task's finished runs of the last days (1–30)." })
  @resetArgs.decorator
  async adminResetTask(
    @Arg('taskId', () => ID) taskId: string,
    @Arg('days', () => Int, { nullable: true }) days: number | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AdminTaskResetType> {
    const q = resetArgs.parse({ taskId, days });
    const deleted = await this.services.taskActions.reset(ctx.viewer, taskId, q.days);
    return { taskId, executionsDeleted: deleted, days: q.days };
  }
}

// Thin GraphQL adapter over the task services. Arguments are renamed to the REST fields
// and validated against the very schemas the REST routes declare (tasks.schemas.ts).

import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Access } from '../graphql/access.js';
import { argumentRule } from '../graphql/arguments.js';
import type { GraphQLContext } from '../graphql/context.js';
import { ListSize } from '../graphql/directives.js';
import { inTurns } from '../graphql/in-turns.js';
import { validate } from '../lib/validation.js';
import type { ExecutionsService } from './executions.service.js';
import type { SharingService } from './sharing.service.js';
import type { TaskState } from './task-states.js';
import { CreateTaskBody, ExecutionsQuery, ForkBody, UpdateTaskBody } from './tasks.schemas.js';
import type { TasksService } from './tasks.service.js';
import {
  CreateTaskInput,
  ExecutionType,
  TaskStateEnum,
  TaskType,
  toExecutionType,
  toTaskType,
  UpdateTaskInput,
} from './tasks.types.js';

/** GraphQL's nulls mean "not given", as an absent REST field does. */
const defined = <T extends object>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as {
    [K in keyof T]?: NonNullable<T[K]>;
  };

const toRestBody = (i: CreateTaskInput | UpdateTaskInput) =>
  defined({
    name: i.name,
    search_query: i.searchQuery,
    condition_description: i.conditionDescription,
    state: i.state,
    run_immediately: i.runImmediately,
    notifications: i.notifications?.map((n) =>
      defined({ type: n.type, address: n.address, url: n.url, method: n.method, headers: n.headers }),
    ),
    context: i.context,
  });

// The list arguments as the REST query strings: one schema each, also checked (and used
// for the cost) before execution.
const executionsArgs = argumentRule(ExecutionsQuery, 'query', (a: { limit?: number | null }) =>
  defined({ limit: a.limit }),
);
@Resolver()
export class TasksResolver {
  constructor(
    private readonly services: { tasks: TasksService; sharing: SharingService; executions: ExecutionsService },
  ) {}

  @ListSize({ assumedSize: 1000 })
  @Access.scopes(['tasks:read'])
  @Query(() => [TaskType], { description: 'Your tasks, newest first, with their last execution.' })
  async tasks(
    @Arg('state', () => TaskStateEnum, { nullable: true }) state: TaskState | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<TaskType[]> {
    const tasks = (await this.services.tasks.list(ctx.viewer, state ?? undefined)).map((t) => toTaskType(t));
    // Up to 1,000 tasks: completed a batch per turn, so other callers' requests move meanwhile.
    return inTurns(tasks) as TaskType[];
  }

  @Access.publicButKeysNeed(['tasks:read'])
  @Query(() => TaskType, { nullable: true, description: 'Your task, or anyone’s public task (notifications hidden).' })
  async task(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<TaskType> {
    return toTaskType((await this.services.sharing.get(ctx.viewer, id, ctx.address)).task);
  }

  @Access.publicButKeysNeed(['tasks:read'])
  @Query(() => [ExecutionType], { description: 'Executions of your task, newest first.' })
  @ListSize({ slicingArguments: ['limit'] })
  @executionsArgs.decorator
  async executions(
    @Arg('taskId', () => ID) taskId: string,
    @Arg('limit', () => Int, { nullable: true }) limit: number | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ExecutionType[]> {
    const q = executionsArgs.parse({ limit });
    return (await this.services.executions.list(ctx.viewer, taskId, q.limit)).map(toExecutionType);
  }

  @Access.scopes(['tasks:write'])
  @Mutation(() => TaskType)
  async createTask(
    @Arg('input', () => CreateTaskInput) input: CreateTaskInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<TaskType> {
    const body = validate(CreateTaskBody, toRestBody(input), 'body');
    const { task, ...extra } = await this.services.tasks.create(ctx.viewer, body);
    return toTaskType(task, extra);
  }

  @Access.scopes(['tasks:write'])
  @Mutation(() => TaskType)
  async updateTask(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateTaskInput) input: UpdateTaskInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<TaskType> {
    const body = validate(UpdateTaskBody, toRestBody(input), 'body');
    const { task, ...extra } = await this.services.tasks.update(ctx.viewer, id, body);
    return toTaskType(task, extra);
  }

  @Access.scopes(['tasks:write'])
  @Mutation(() => Boolean)
  async deleteTask(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await this.services.tasks.remove(ctx.viewer, id);
    return true;
  }

  @Access.scopes(['tasks:write'])
  @Mutation(() => TaskType)
  async setTaskVisibility(
    @Arg('id', () => ID) id: string,
    @Arg('isPublic', () => Boolean) isPublic: boolean,
    @Ctx() ctx: GraphQLContext,
  ): Promise<TaskType> {
    return toTaskType(await this.services.sharing.setVisibility(ctx.viewer, id, isPublic));
  }

  @Access.scopes(['tasks:write'])
  @Mutation(() => TaskType, { description: 'A paused private copy of your task or of a public one.' })
  async forkTask(
    @Arg('id', () => ID) id: string,
    @Arg('name', () => String, { nullable: true }) name: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<TaskType> {
    const body = validate(ForkBody, defined({ name }), 'body');
    const { task, ...extra } = await this.services.sharing.fork(ctx.viewer, id, body?.name);
    return toTaskType(task, extra);
  }

  @Access.scopes(['tasks:write'])
  @Mutation(() => ExecutionType, { description: 'Queue a run now; force cancels a pending or running one.' })
  async executeTask(
    @Arg('id', () => ID) id: string,
    @Arg('force', () => Boolean, { nullable: true }) force: boolean | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ExecutionType> {
    return toExecutionType(await this.services.executions.execute(ctx.viewer, id, force ?? false));
  }
}

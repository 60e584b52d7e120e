import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../graphql/context.js';
import type { TaskInput } from './tasks.service.js';
import {
  CreateTaskInput,
  ExecutionType,
  PublicTaskPageType,
  PublicTaskSortEnum,
  TaskStateEnum,
  TaskType,
  toExecutionType,
  toTaskType,
  UpdateTaskInput,
} from './tasks.types.js';

const toServiceInput = (i: CreateTaskInput | UpdateTaskInput): TaskInput => ({
  name: i.name,
  search_query: i.searchQuery,
  condition_description: i.conditionDescription,
  state: i.state,
  run_immediately: i.runImmediately,
  notifications: i.notifications?.map((n) => ({
    type: n.type,
    address: n.address,
    url: n.url,
    method: n.method,
    headers: n.headers,
  })),
});

@Resolver()
export class TasksResolver {
  @Query(() => [TaskType], { description: 'Your tasks, newest first, with their last execution.' })
  async tasks(
    @Arg('state', () => TaskStateEnum, { nullable: true }) state: TaskStateEnum | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<TaskType[]> {
    return (await ctx.services.tasks.list(ctx.viewer, state)).map((t) => toTaskType(t));
  }

  @Query(() => TaskType, { nullable: true, description: 'Your task, or anyone’s public task (notifications hidden).' })
  async task(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<TaskType> {
    return toTaskType((await ctx.services.tasks.get(ctx.viewer, id)).task);
  }

  @Query(() => [ExecutionType], { description: 'Executions of your task, newest first.' })
  async executions(
    @Arg('taskId', () => ID) taskId: string,
    @Arg('limit', () => Int, { nullable: true }) limit: number | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ExecutionType[]> {
    return (await ctx.services.tasks.executions(ctx.viewer, taskId, limit)).map(toExecutionType);
  }

  @Query(() => PublicTaskPageType)
  async publicTasks(
    @Arg('offset', () => Int, { nullable: true }) offset: number | null,
    @Arg('limit', () => Int, { nullable: true }) limit: number | null,
    @Arg('sortBy', () => PublicTaskSortEnum, { nullable: true }) sortBy: PublicTaskSortEnum | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<PublicTaskPageType> {
    const page = await ctx.services.tasks.publicList({ offset, limit, sort: sortBy });
    return { ...page, tasks: page.tasks.map((t) => toTaskType(t)) };
  }

  @Mutation(() => TaskType)
  async createTask(
    @Arg('input', () => CreateTaskInput) input: CreateTaskInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<TaskType> {
    const { task, ...extra } = await ctx.services.tasks.create(ctx.viewer, toServiceInput(input));
    return toTaskType(task, extra);
  }

  @Mutation(() => TaskType)
  async updateTask(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateTaskInput) input: UpdateTaskInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<TaskType> {
    const { task, ...extra } = await ctx.services.tasks.update(ctx.viewer, id, toServiceInput(input));
    return toTaskType(task, extra);
  }

  @Mutation(() => Boolean)
  async deleteTask(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    await ctx.services.tasks.remove(ctx.viewer, id);
    return true;
  }

  @Mutation(() => TaskType)
  async setTaskVisibility(
    @Arg('id', () => ID) id: string,
    @Arg('isPublic', () => Boolean) isPublic: boolean,
    @Ctx() ctx: GraphQLContext,
  ): Promise<TaskType> {
    return toTaskType(await ctx.services.tasks.setVisibility(ctx.viewer, id, isPublic));
  }

  @Mutation(() => TaskType, { description: 'A paused private copy of your task or of a public one.' })
  async forkTask(
    @Arg('id', () => ID) id: string,
    @Arg('name', () => String, { nullable: true }) name: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<TaskType> {
    const { task, ...extra } = await ctx.services.tasks.fork(ctx.viewer, id, name);
    return toTaskType(task, extra);
  }

  @Mutation(() => ExecutionType, { description: 'Queue a run now; force cancels a pending or running one.' })
  async executeTask(
    @Arg('id', () => ID) id: string,
    @Arg('force', () => Boolean, { nullable: true }) force: boolean | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ExecutionType> {
    return toExecutionType(await ctx.services.tasks.execute(ctx.viewer, id, force ?? false));
  }
}

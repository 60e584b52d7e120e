// GraphQL subscriptions (graphql-ws at /graphql, graphql-sse at /graphql/stream): every
// status change of an execution of the viewer's tasks, and every change of their tasks.
import { Arg, Ctx, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { ExecutionRow } from '../db/types.js';
import { Access } from '../graphql/access.js';
import { type GraphQLContext, resolverOf } from '../graphql/context.js';
import type { TaskWithLast } from '../tasks/tasks.repository.js';
import { ExecutionType, TaskType, toExecutionType, toTaskType } from '../tasks/tasks.types.js';
import type { LiveService } from './live.service.js';

@Resolver()
export class LiveResolver {
  constructor(readonly services: { live: LiveService }) {}

  @Access.scopes(['tasks:read'])
  @Subscription(() => ExecutionType, {
    description: 'Every status change of an execution of your tasks (one task when taskId is given).',
    subscribe: ({ args, context }) =>
      resolverOf(context, LiveResolver).services.live.executions((context as GraphQLContext).viewer, args.taskId),
  })
  executionUpdated(
    @Root() execution: ExecutionRow,
    @Arg('taskId', () => ID, { nullable: true }) _taskId: string | null,
    @Ctx() _ctx: GraphQLContext,
  ): ExecutionType {
    return toExecutionType(execution);
  }

  @Access.scopes(['tasks:read'])
  @Subscription(() => TaskType, {
    description: 'Your tasks as they change: state, next run, last execution (one task when id is given).',
    subscribe: ({ args, context }) =>
      resolverOf(context, LiveResolver).services.live.tasks((context as GraphQLContext).viewer, args.id),
  })
  taskUpdated(
    @Root() task: TaskWithLast,
    @Arg('id', () => ID, { nullable: true }) _id: string | null,
    @Ctx() _ctx: GraphQLContext,
  ): TaskType {
    return toTaskType(task);
  }
}

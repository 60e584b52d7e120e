// GraphQL over the public list and the task connections: offset pages with a total
// computed only when selected, and Relay connections by keyset cursor.

import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver } from 'type-graphql';
import { Access } from '../graphql/access.js';
import { argumentRule } from '../graphql/arguments.js';
import type { GraphQLContext } from '../graphql/context.js';
import { CacheControl, ListSize, PUBLIC_MAX_AGE } from '../graphql/directives.js';
import { ConnectionArgs } from '../http/schemas.js';
import { ExecutionConnectionType, TaskConnectionType } from './connections.types.js';
import type { ExecutionsService } from './executions.service.js';
import type { PublicTasksService } from './public-tasks.service.js';
import type { PublicSort } from './task-states.js';
import { PublicTasksQuery } from './tasks.schemas.js';
import { PublicTaskPageType, PublicTaskSortEnum, toExecutionType, toTaskType } from './tasks.types.js';

const defined = <T extends object>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));

const publicTasksArgs = argumentRule(
  PublicTasksQuery,
  'query',
  (a: { offset?: number | null; limit?: number | null; sortBy?: PublicSort | null }) =>
    defined({ offset: a.offset, limit: a.limit, sort_by: a.sortBy }),
);
const connectionArgs = argumentRule(ConnectionArgs, 'query', (a: { first?: number | null; after?: string | null }) =>
  defined({ first: a.first, after: a.after }),
);

@Resolver(() => PublicTaskPageType)
export class PublicTasksResolver {
  constructor(private readonly services: { publicTasks: PublicTasksService; executions: ExecutionsService }) {}

  @Access.public()
  @CacheControl({ maxAge: PUBLIC_MAX_AGE })
  @Query(() => PublicTaskPageType)
  @ListSize({ slicingArguments: ['limit'], sizedFields: ['tasks'] })
  @publicTasksArgs.decorator
  async publicTasks(
    @Arg('offset', () => Int, { nullable: true }) offset: number | null,
    @Arg('limit', () => Int, { nullable: true }) limit: number | null,
    @Arg('sortBy', () => PublicTaskSortEnum, { nullable: true }) sortBy: PublicSort | null,
  ): Promise<PublicTaskPageType> {
    const q = publicTasksArgs.parse({ offset, limit, sortBy });
    const tasks = await this.services.publicTasks.list(q);
    return { tasks: tasks.map((t) => toTaskType(t)), offset: q.offset, limit: q.limit };
  }

  /** Counted only when a client asks for it (an exact count at most 10 s old). */
  @FieldResolver(() => Int)
  total(): Promise<number> {
    return this.services.publicTasks.total();
  }

  @Access.public()
  @CacheControl({ maxAge: PUBLIC_MAX_AGE })
  @Query(() => TaskConnectionType, { description: 'Public tasks as a Relay connection (keyset cursors).' })
  @ListSize({ slicingArguments: ['first'], sizedFields: ['edges'] })
  @connectionArgs.decorator
  async publicTasksConnection(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('sortBy', () => PublicTaskSortEnum, { nullable: true }) sortBy: PublicSort | null,
  ): Promise<TaskConnectionType> {
    const q = connectionArgs.parse({ first, after });
    const page = await this.services.publicTasks.connection({ ...q, sort: sortBy ?? 'recent' });
    return { ...page, edges: page.edges.map((e) => ({ cursor: e.cursor, node: toTaskType(e.node) })) };
  }

  @Access.publicButKeysNeed(['tasks:read'])
  @Query(() => ExecutionConnectionType, { description: 'Executions of your task as a Relay connection, newest first.' })
  @ListSize({ slicingArguments: ['first'], sizedFields: ['edges'] })
  @connectionArgs.decorator
  async executionsConnection(
    @Arg('taskId', () => ID) taskId: string,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ExecutionConnectionType> {
    const q = connectionArgs.parse({ first, after });
    const page = await this.services.executions.connection(ctx.viewer, taskId, q);
    return { ...page, edges: page.edges.map((e) => ({ cursor: e.cursor, node: toExecutionType(e.node) })) };
  }
}

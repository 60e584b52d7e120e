// GraphQL type of a feed item: an Execution with the task it belongs to.
import { Field, ID, ObjectType } from 'type-graphql';
import { CacheControl } from '../graphql/directives.js';
import { ExecutionType, toExecutionType } from '../tasks/tasks.types.js';
import type { FeedRow } from './feed.repository.js';

@CacheControl({ inheritMaxAge: true })
@ObjectType('FeedExecution', { description: 'A successful run that produced a notification, with its task.' })
export class FeedExecutionType extends ExecutionType {
  @Field(() => String) taskName!: string;
  @Field(() => String, { nullable: true }) taskSearchQuery!: string | null;
  @Field(() => Boolean) taskIsPublic!: boolean;
  @Field(() => ID, { nullable: true, description: 'The task owner.' })
  taskUserId!: string | null;
}

/** A feed row of either feed. */
export const toFeedType = (r: FeedRow): FeedExecutionType => ({
  ...toExecutionType(r),
  taskName: r.task_name,
  taskSearchQuery: r.task_search_query,
  taskIsPublic: r.task_is_public,
  taskUserId: r.task_user_id,
});

// GraphQL type of a feed item: an Execution with the task it belongs to.
import { Field, ID, ObjectType } from 'type-graphql';
import { ExecutionType, toExecutionType } from '../tasks/tasks.types.js';
import type { PublicFeedRow } from './feed.service.js';

@ObjectType('FeedExecution', { description: 'A successful run that produced a notification, with its task.' })
export class FeedExecutionType extends ExecutionType {
  @Field(() => String) taskName!: string;
  @Field(() => String, { nullable: true }) taskSearchQuery!: string | null;
  @Field(() => Boolean) taskIsPublic!: boolean;
  @Field(() => ID, { nullable: true, description: 'The task owner; null in the public feed.' })
  taskUserId!: string | null;
}

/** A feed row of either feed; the public one has no owner. */
export const toFeedType = (r: PublicFeedRow & { task_user_id?: string }): FeedExecutionType => ({
  ...toExecutionType(r),
  taskName: r.task_name,
  taskSearchQuery: r.task_search_query,
  taskIsPublic: r.task_is_public,
  taskUserId: r.task_user_id ?? null,
});

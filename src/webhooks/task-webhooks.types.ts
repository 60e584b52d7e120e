// GraphQL types of a task's webhook deliveries (a Relay connection of them).
import { Field, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ListSize } from '../graphql/directives.js';
import { PageInfoType } from '../graphql/relay.js';
import type { TaskDeliveryView } from './task-webhooks.service.js';

export const WebhookDeliveryStatusEnum = { PENDING: 'pending', DELIVERED: 'delivered', FAILED: 'failed' } as const;
registerEnumType(WebhookDeliveryStatusEnum, { name: 'WebhookDeliveryStatus' });

@ObjectType('WebhookAttempt')
export class WebhookAttemptType {
  @Field(() => GraphQLISODateTime) at!: Date;
  @Field(() => Int, { nullable: true }) statusCode!: number | null;
  @Field(() => Int) durationMs!: number;
  @Field(() => String, { nullable: true }) error!: string | null;
}

@ObjectType('WebhookDelivery')
export class WebhookDeliveryType {
  @Field(() => ID, { description: 'Also the `webhook-id` header of every attempt.' }) id!: string;
  @Field(() => String, { description: '`task.condition_met` or `ping`.' }) event!: string;
  @Field(() => WebhookDeliveryStatusEnum) status!: TaskDeliveryView['status'];
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) nextAttemptAt!: Date | null;
  @ListSize({ assumedSize: 20 })
  @Field(() => [WebhookAttemptType])
  attempts!: WebhookAttemptType[];
}

@ObjectType('WebhookDeliveryEdge')
export class WebhookDeliveryEdgeType {
  @Field(() => String) cursor!: string;
  @Field(() => WebhookDeliveryType) node!: WebhookDeliveryType;
}

@ObjectType('WebhookDeliveryConnection')
export class WebhookDeliveryConnectionType {
  @Field(() => [WebhookDeliveryEdgeType]) edges!: WebhookDeliveryEdgeType[];
  @Field(() => PageInfoType) pageInfo!: PageInfoType;
}

export const toWebhookDeliveryType = (d: TaskDeliveryView): WebhookDeliveryType => ({
  id: d.id,
  event: d.event,
  status: d.status,
  createdAt: d.created_at,
  nextAttemptAt: d.next_attempt_at,
  attempts: d.attempts.map((a) => ({
    at: a.at,
    statusCode: a.status_code,
    durationMs: a.duration_ms,
    error: a.error,
  })),
});

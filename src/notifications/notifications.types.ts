// GraphQL types of the notification history and verified emails.
import { Field, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ListSize } from '../graphql/directives.js';
import { NotificationTypeEnum } from '../tasks/tasks.types.js';
import type { DeliveryView, SendView } from './history.service.js';

export const DeliveryRecordStatusEnum = { SUCCESS: 'success', FAILED: 'failed', RETRYING: 'retrying' } as const;
export const NotificationSendStatusEnum = {
  ...DeliveryRecordStatusEnum,
  SKIPPED: 'skipped',
  REFUSED: 'refused',
} as const;
registerEnumType(DeliveryRecordStatusEnum, { name: 'DeliveryRecordStatus' });
registerEnumType(NotificationSendStatusEnum, {
  name: 'NotificationSendStatus',
  description:
    'SKIPPED: recorded, not sent (no email provider is configured). REFUSED: over a spam limit (100 emails a day per user, 10 an hour per address); the reason is in errorMessage.',
});

@ObjectType('WebhookDeliveryRecord', { description: 'One webhook delivery of a run, across its attempts.' })
export class WebhookDeliveryRecordType {
  @Field(() => ID) id!: string;
  @Field(() => ID) taskId!: string;
  @Field(() => ID) executionId!: string;
  @Field(() => String) webhookUrl!: string;
  @Field(() => DeliveryRecordStatusEnum, { description: 'RETRYING while attempts remain.' })
  status!: DeliveryView['status'];
  @Field(() => Int, { nullable: true }) httpStatusCode!: number | null;
  @Field(() => Int) attempts!: number;
  @Field(() => GraphQLISODateTime, { nullable: true }) nextRetryAt!: Date | null;
  @Field(() => String, { nullable: true }) errorMessage!: string | null;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) deliveredAt!: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) failedAt!: Date | null;
}

@ObjectType('WebhookDeliveryHistory')
export class WebhookDeliveryHistoryType {
  @Field(() => [WebhookDeliveryRecordType]) deliveries!: WebhookDeliveryRecordType[];
  @Field(() => Int) total!: number;
}

@ObjectType('NotificationSend', { description: 'A notification sent (or recorded) for one of your runs.' })
export class NotificationSendType {
  @Field(() => ID) id!: string;
  @Field(() => ID) userId!: string;
  @Field(() => ID) taskId!: string;
  @Field(() => ID) executionId!: string;
  @Field(() => String, { description: 'The email address, or the webhook URL' }) recipient!: string;
  @Field(() => NotificationTypeEnum) notificationType!: SendView['notification_type'];
  @Field(() => NotificationSendStatusEnum) status!: SendView['status'];
  @Field(() => String, { nullable: true }) errorMessage!: string | null;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
}

@ObjectType('NotificationSendPage')
export class NotificationSendPageType {
  @Field(() => [NotificationSendType]) sends!: NotificationSendType[];
  @Field(() => Int) total!: number;
}

@ObjectType('VerifiedEmails')
export class VerifiedEmailsType {
  @ListSize({ assumedSize: 10 })
  @Field(() => [String])
  verifiedEmails!: string[];
  @Field(() => String, { nullable: true }) primaryEmail!: string | null;
}

export const toDeliveryRecordType = (d: DeliveryView): WebhookDeliveryRecordType => ({
  id: d.id,
  taskId: d.task_id,
  executionId: d.execution_id,
  webhookUrl: d.webhook_url,
  status: d.status,
  httpStatusCode: d.http_status_code,
  attempts: d.attempts,
  nextRetryAt: d.next_retry_at,
  errorMessage: d.error_message,
  createdAt: d.created_at,
  deliveredAt: d.delivered_at,
  failedAt: d.failed_at,
});

export const toSendType = (s: SendView): NotificationSendType => ({
  id: s.id,
  userId: s.user_id,
  taskId: s.task_id,
  executionId: s.execution_id,
  recipient: s.recipient,
  notificationType: s.notification_type,
  status: s.status,
  errorMessage: s.error_message,
  createdAt: s.created_at,
});

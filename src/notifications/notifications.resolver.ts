// Thin GraphQL adapter over the notification history and email verification; arguments
// are renamed to the REST fields and checked against the same schemas.

import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Access } from '../graphql/access.js';
import { argumentRule } from '../graphql/arguments.js';
import type { GraphQLContext } from '../graphql/context.js';
import { ListSize } from '../graphql/directives.js';
import { validate } from '../lib/validation.js';
import { NotificationTypeEnum } from '../tasks/tasks.types.js';
import type { EmailVerificationService } from './email-verification.service.js';
import type { HistoryService } from './history.service.js';
import { DeliveriesQuery, EmailBody, SendsQuery, VerifyEmailBody } from './notifications.schemas.js';
import {
  NotificationSendPageType,
  toDeliveryRecordType,
  toSendType,
  VerifiedEmailsType,
  WebhookDeliveryHistoryType,
} from './notifications.types.js';

/** GraphQL's nulls mean "not given", as an absent query parameter does. */
const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v != null));

type PageArgs = { taskId?: string | null; limit?: number | null; offset?: number | null };

// The list arguments as the REST query strings: checked (and used for the cost) before execution.
const deliveriesArgs = argumentRule(DeliveriesQuery, 'query', (a: PageArgs) =>
  defined({ task_id: a.taskId, limit: a.limit, offset: a.offset }),
);
const sendsArgs = argumentRule(SendsQuery, 'query', (a: PageArgs & { notificationType?: string | null }) =>
  defined({ notification_type: a.notificationType, task_id: a.taskId, limit: a.limit, offset: a.offset }),
);

@Resolver()
export class NotificationsResolver {
  constructor(private readonly services: { history: HistoryService; emailVerification: EmailVerificationService }) {}

  @Access.scopes(['tasks:read'])
  @Query(() => WebhookDeliveryHistoryType, {
    description: 'Webhook deliveries of your tasks (or of one), newest first, with their attempts.',
  })
  @ListSize({ slicingArguments: ['limit'], sizedFields: ['deliveries'] })
  @deliveriesArgs.decorator
  async webhookDeliveryHistory(
    @Arg('taskId', () => ID, { nullable: true }) taskId: string | null,
    @Arg('limit', () => Int, { nullable: true }) limit: number | null,
    @Arg('offset', () => Int, { nullable: true }) offset: number | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WebhookDeliveryHistoryType> {
    const q = deliveriesArgs.parse({ taskId, limit, offset });
    const page = await this.services.history.deliveries(ctx.viewer, q);
    return { deliveries: page.deliveries.map(toDeliveryRecordType), total: page.total };
  }

  @Access.scopes(['tasks:read'])
  @Query(() => NotificationSendPageType, { description: 'Notifications sent (or recorded) for your tasks.' })
  @ListSize({ slicingArguments: ['limit'], sizedFields: ['sends'] })
  @sendsArgs.decorator
  async notificationSends(
    @Arg('notificationType', () => NotificationTypeEnum, { nullable: true }) notificationType: string | null,
    @Arg('taskId', () => ID, { nullable: true }) taskId: string | null,
    @Arg('limit', () => Int, { nullable: true }) limit: number | null,
    @Arg('offset', () => Int, { nullable: true }) offset: number | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<NotificationSendPageType> {
    const q = sendsArgs.parse({ notificationType, taskId, limit, offset });
    const page = await this.services.history.sends(ctx.viewer, q);
    return { sends: page.sends.map(toSendType), total: page.total };
  }

  @Access.authenticated()
  @Query(() => VerifiedEmailsType, {
    description: 'Addresses task emails may go to: your account email and the addresses you verified.',
  })
  async verifiedEmails(@Ctx() ctx: GraphQLContext): Promise<VerifiedEmailsType> {
    const v = await this.services.emailVerification.verified(ctx.viewer);
    return { verifiedEmails: v.verified_emails, primaryEmail: v.primary_email };
  }

  @Access.scopes(['account:write'])
  @Mutation(() => String, {
    description:
      'Email a 6-digit code to an address (valid 15 minutes; TOO_MANY_REQUESTS after 3 in an hour; SERVICE_UNAVAILABLE without SMTP_URL). Answers the message.',
  })
  async sendEmailVerification(@Arg('email', () => String) email: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    const body = validate(EmailBody, { email }, 'body');
    return (await this.services.emailVerification.send(ctx.viewer, body.email)).message;
  }

  @Access.scopes(['account:write'])
  @Mutation(() => String, {
    description: 'Check a code; right = the address is verified (BAD_USER_INPUT with the reason otherwise).',
  })
  async verifyEmail(
    @Arg('email', () => String) email: string,
    @Arg('code', () => String) code: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<string> {
    const body = validate(VerifyEmailBody, { email, code }, 'body');
    return (await this.services.emailVerification.verify(ctx.viewer, body.email, body.code)).message;
  }

  @Access.scopes(['account:write'])
  @Mutation(() => String, { description: 'Remove an address from your verified list (not your account email).' })
  async removeVerifiedEmail(@Arg('email', () => String) email: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    return (await this.services.emailVerification.remove(ctx.viewer, email)).message;
  }
}

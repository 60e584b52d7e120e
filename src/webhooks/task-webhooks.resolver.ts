// Thin GraphQL adapter over a task's webhook service: the same rules and outcomes as REST.

import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Access } from '../graphql/access.js';
import { argumentRule } from '../graphql/arguments.js';
import type { GraphQLContext } from '../graphql/context.js';
import { ListSize } from '../graphql/directives.js';
import { ConnectionArgs } from '../http/schemas.js';
import type { TaskWebhooksService } from './task-webhooks.service.js';
import { toWebhookDeliveryType, WebhookDeliveryConnectionType, WebhookDeliveryType } from './task-webhooks.types.js';

const connectionArgs = argumentRule(ConnectionArgs, 'query', (a: { first?: number | null; after?: string | null }) =>
  Object.fromEntries(
    Object.entries({ first: a.first, after: a.after }).filter(([, v]) => v !== null && v !== undefined),
  ),
);

@Resolver()
export class TaskWebhooksResolver {
  constructor(private readonly services: { taskWebhooks: TaskWebhooksService }) {}

  @Access.scopes(['tasks:read'])
  @Query(() => WebhookDeliveryConnectionType, {
    description: 'Webhook deliveries of your task, newest first, each with its attempts.',
  })
  @ListSize({ slicingArguments: ['first'], sizedFields: ['edges'] })
  @connectionArgs.decorator
  async webhookDeliveries(
    @Arg('taskId', () => ID) taskId: string,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WebhookDeliveryConnectionType> {
    const q = connectionArgs.parse({ first, after });
    const page = await this.services.taskWebhooks.deliveries(ctx.viewer, taskId, { limit: q.first, cursor: q.after });
    const edges = page.deliveries.map((d, i) => ({
      cursor: page.cursors[i] as string,
      node: toWebhookDeliveryType(d),
    }));
    return { edges, pageInfo: { hasNextPage: page.next_cursor !== null, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  @Access.scopes(['tasks:write'])
  @Mutation(() => String, {
    description:
      'A new signing secret for the task webhook, returned this once; the old one signs too during the overlap.',
  })
  async rotateWebhookSecret(@Arg('taskId', () => ID) taskId: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    return (await this.services.taskWebhooks.rotateSecret(ctx.viewer, taskId)).webhook_secret;
  }

  @Access.scopes(['tasks:write'])
  @Mutation(() => Boolean, { description: 'Queue one more attempt of a delivery, with the same webhook-id.' })
  async replayWebhookDelivery(
    @Arg('taskId', () => ID) taskId: string,
    @Arg('deliveryId', () => ID) deliveryId: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<boolean> {
    await this.services.taskWebhooks.replay(ctx.viewer, taskId, deliveryId);
    return true;
  }

  @Access.scopes(['tasks:write'])
  @Mutation(() => WebhookDeliveryType, {
    description:
      'Send a test ping to the task webhook now, in the envelope every delivery has, with a made-up run; listed as a `ping` delivery (5 per minute).',
  })
  async testWebhook(@Arg('taskId', () => ID) taskId: string, @Ctx() ctx: GraphQLContext): Promise<WebhookDeliveryType> {
    return toWebhookDeliveryType(await this.services.taskWebhooks.test(ctx.viewer, taskId));
  }
}

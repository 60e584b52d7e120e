// Thin GraphQL adapter over the default-webhook service; arguments are renamed to the REST
// fields and checked against the same schemas (webhooks.schemas.ts).

import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { Access } from '../graphql/access.js';
import type { GraphQLContext } from '../graphql/context.js';
import { validate } from '../lib/validation.js';
import { WebhookConfigBody, WebhookTestBody } from './webhooks.schemas.js';
import type { WebhooksService } from './webhooks.service.js';
import { WebhookConfigType, WebhookTestResultType } from './webhooks.types.js';

@Resolver()
export class WebhooksResolver {
  constructor(private readonly services: { webhooks: WebhooksService }) {}

  @Access.scopes(['tasks:read'])
  @Query(() => WebhookConfigType, { description: 'Your default webhook (the secret as a masked hint).' })
  async webhookConfig(@Ctx() ctx: GraphQLContext): Promise<WebhookConfigType> {
    return this.services.webhooks.getConfig(ctx.viewer);
  }

  @Access.scopes(['tasks:write'])
  @Mutation(() => WebhookConfigType, {
    description:
      'Set (url) or clear (no url) your default webhook. A new secret, shown in full once, when there was none or the URL changed.',
  })
  async updateWebhookConfig(
    @Arg('url', () => String, { nullable: true }) url: string | null,
    @Arg('enabled', () => Boolean, { nullable: true }) enabled: boolean | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WebhookConfigType> {
    const body = validate(WebhookConfigBody, { webhook_url: url, ...(enabled !== null && { enabled }) }, 'body');
    return this.services.webhooks.updateConfig(ctx.viewer, body);
  }

  @Access.scopes(['tasks:write'])
  @Mutation(() => WebhookTestResultType, {
    description:
      'Send one signed test ping to url now (5 per minute). Your saved default URL is signed with its stored secret.',
  })
  async testDefaultWebhook(
    @Arg('url', () => String) url: string,
    @Arg('secret', () => String, { nullable: true }) secret: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WebhookTestResultType> {
    const body = validate(WebhookTestBody, { webhook_url: url, webhook_secret: secret ?? '' }, 'body');
    return this.services.webhooks.test(ctx.viewer, body);
  }
}

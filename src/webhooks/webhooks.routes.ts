// REST shims for the user's default webhook (dashboard settings).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authErrors, DetailSchema, ValidationErrorSchema } from '../http/schemas.js';
import {
  WebhookConfigBody,
  WebhookConfigSchema,
  WebhookTestBody,
  WebhookTestResultSchema,
} from './webhooks.schemas.js';
import type { WebhooksService } from './webhooks.service.js';

const errors = { 400: DetailSchema, 404: DetailSchema, 422: ValidationErrorSchema, ...authErrors };

export const webhooksRoutes: FastifyPluginAsyncTypebox<{ webhooks: WebhooksService }> = async (app, { webhooks }) => {
  app.get(
    '/api/v1/webhooks/config',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Your default webhook (the secret as a masked hint)',
        response: { 200: WebhookConfigSchema, 404: DetailSchema, ...authErrors },
      },
    },
    async (req) => webhooks.getConfig(req.viewer),
  );

  app.put(
    '/api/v1/webhooks/config',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Set or clear your default webhook, used by tasks created without notifications',
        description:
          'The URL follows the task webhook rules (https, no private addresses). A new signing secret is made when there is none or the URL changes; that response carries it in full, once. No URL clears the default webhook.',
        body: WebhookConfigBody,
        response: { 200: WebhookConfigSchema, ...errors },
      },
    },
    async (req) => webhooks.updateConfig(req.viewer, req.body ?? {}),
  );

  app.post(
    '/api/v1/webhooks/test',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Send one signed test ping now (5 per minute)',
        body: WebhookTestBody,
        response: { 200: WebhookTestResultSchema, 429: DetailSchema, ...errors },
      },
    },
    async (req) => webhooks.test(req.viewer, req.body),
  );
};

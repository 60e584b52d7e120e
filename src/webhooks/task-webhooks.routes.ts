// REST shims for a task's webhook: rotate its secret, its delivery log, replay, test.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authErrors, DetailSchema, IdParams, ValidationErrorSchema } from '../http/schemas.js';
import { toTaskDeliveryJson } from './task-webhooks.json.js';
import {
  DeliveryPageSchema,
  QueuedSchema,
  RotatedSecretSchema,
  TaskDeliveriesQuery,
  TaskDeliveryParams,
  TestedSchema,
} from './task-webhooks.schemas.js';
import type { TaskWebhooksService } from './task-webhooks.service.js';

const errors = { 400: DetailSchema, 404: DetailSchema, 422: ValidationErrorSchema, ...authErrors };

export const taskWebhooksRoutes: FastifyPluginAsyncTypebox<{ taskWebhooks: TaskWebhooksService }> = async (
  app,
  { taskWebhooks },
) => {
  app.post(
    '/api/v1/tasks/:id/webhook/rotate-secret',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'New signing secret for the task webhook, shown once',
        description:
          'For WEBHOOK_SECRET_OVERLAP_HOURS (default 24) every delivery is signed by the old and the new secret: two entries in `webhook-signature`, two `v1=` in `X-Torale-Signature`.',
        params: IdParams,
        response: { 200: RotatedSecretSchema, ...errors },
      },
    },
    async (req) => taskWebhooks.rotateSecret(req.viewer, req.params.id),
  );

  app.get(
    '/api/v1/tasks/:id/webhook/deliveries',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Webhook deliveries of your task, newest first, with every attempt',
        params: IdParams,
        querystring: TaskDeliveriesQuery,
        response: { 200: DeliveryPageSchema, ...errors },
      },
    },
    async (req) => {
      const page = await taskWebhooks.deliveries(req.viewer, req.params.id, req.query);
      return { deliveries: page.deliveries.map(toTaskDeliveryJson), next_cursor: page.next_cursor };
    },
  );

  app.post(
    '/api/v1/tasks/:id/webhook/deliveries/:deliveryId/replay',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Queue one more attempt of a delivery, with the same webhook-id',
        params: TaskDeliveryParams,
        response: { 202: QueuedSchema, ...errors },
      },
    },
    async (req, reply) => {
      const out = await taskWebhooks.replay(req.viewer, req.params.id, req.params.deliveryId);
      return reply.code(202).send(out);
    },
  );

  app.post(
    '/api/v1/tasks/:id/webhook/test',
    {
      schema: {
        tags: ['webhooks'],
        summary:
          'Send a test ping to the task webhook now (the envelope of every delivery, a made-up run); the delivery after the attempt (5 per minute)',
        params: IdParams,
        response: { 200: TestedSchema, 429: DetailSchema, ...errors },
      },
    },
    async (req) => ({ delivery: toTaskDeliveryJson(await taskWebhooks.test(req.viewer, req.params.id)) }),
  );
};

// REST shims for the user's default webhook (dashboard settings).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Errors, isAppError } from '../errors.js';
import { authErrors, DetailSchema, ValidationErrorSchema } from '../http/schemas.js';
import {
  WebhookConfigBody,
  WebhookConfigSchema,
  WebhookTestBody,
  WebhookTestResultSchema,
} from './webhooks.schemas.js';
import { NOT_JSON, verificationAnswer, type WebhooksService } from './webhooks.service.js';

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
    '/api/v1/webhooks/verify',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Echo a verification challenge (Slack-style), as Torale does; no credentials needed',
        description:
          '`{"challenge": x}` → `{"challenge": x}`; `{"type": "url_verification"}` → `{"challenge": ""}`; any other JSON → `{"message": "Verification endpoint"}`; no or broken JSON → 400 `Invalid verification request: not valid JSON`.',
        security: [],
        body: Type.Unknown(),
        response: {
          200: Type.Union([Type.Object({ challenge: Type.Unknown() }), Type.Object({ message: Type.String() })]),
          400: DetailSchema,
        },
      },
      // A body that is not JSON is Torale's 400 here, in its words (this route reads the body
      // itself there; elsewhere it is FastAPI's 422 json_invalid, plugins/input.ts).
      errorHandler: (err, _req, reply) => {
        const notJson =
          isAppError(err) && Array.isArray(err.detail) && err.detail.some((i) => i.type === 'json_invalid');
        if (notJson) return reply.code(400).send({ detail: NOT_JSON });
        throw err;
      },
    },
    async (req) => {
      const answer = verificationAnswer(req.body);
      if (!answer) throw Errors.badRequest(NOT_JSON);
      return answer;
    },
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

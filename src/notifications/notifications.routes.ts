// REST shims for the dashboard's notification settings: history of webhook deliveries and
// notification sends, and email verification.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authErrors, DetailSchema, ValidationErrorSchema } from '../http/schemas.js';
import type { EmailVerificationService } from './email-verification.service.js';
import type { HistoryService } from './history.service.js';
import { toDeliveryJson, toSendJson } from './notifications.json.js';
import {
  CodeSentSchema,
  DeliveriesQuery,
  DeliveriesSchema,
  EmailBody,
  EmailParams,
  MessageSchema,
  SendsPageSchema,
  SendsQuery,
  VerifiedEmailsSchema,
  VerifyEmailBody,
} from './notifications.schemas.js';

const errors = { 404: DetailSchema, 422: ValidationErrorSchema, ...authErrors };

export const notificationsRoutes: FastifyPluginAsyncTypebox<{
  history: HistoryService;
  emailVerification: EmailVerificationService;
}> = async (app, { history, emailVerification }) => {
  app.get(
    '/api/v1/webhooks/deliveries',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Webhook deliveries of your tasks, newest first',
        description:
          "A bare array, as Torale's API answers and its Python SDK iterates (`id, task_id, webhook_url, http_status, attempt_number, delivered_at, failed_at, error_message, created_at`, plus the gateway's own fields). Runs' deliveries only; test pings are in each task's webhook log.",
        querystring: DeliveriesQuery,
        response: { 200: DeliveriesSchema, ...errors },
      },
    },
    async (req) => (await history.deliveries(req.viewer, req.query)).deliveries.map(toDeliveryJson),
  );

  app.get(
    '/api/v1/notifications/sends',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Notifications sent (or recorded) for your tasks, newest first',
        querystring: SendsQuery,
        response: { 200: SendsPageSchema, ...errors },
      },
    },
    async (req) => {
      const page = await history.sends(req.viewer, req.query);
      return { sends: page.sends.map(toSendJson), total: page.total };
    },
  );

  app.get(
    '/api/v1/email-verification/verified-emails',
    {
      schema: {
        tags: ['email-verification'],
        summary: 'Addresses task emails may go to: your account email and the addresses you verified',
        response: { 200: VerifiedEmailsSchema, 404: DetailSchema, ...authErrors },
      },
    },
    async (req) => emailVerification.verified(req.viewer),
  );

  app.post(
    '/api/v1/email-verification/send',
    {
      schema: {
        tags: ['email-verification'],
        summary: 'Email a 6-digit code to an address (valid 15 minutes, 3 requests an hour; 503 without SMTP_URL)',
        body: EmailBody,
        response: { 200: CodeSentSchema, 429: DetailSchema, ...errors },
      },
    },
    async (req) => emailVerification.send(req.viewer, req.body.email),
  );

  app.post(
    '/api/v1/email-verification/verify',
    {
      schema: {
        tags: ['email-verification'],
        summary: 'Check a code: right = the address is verified; 5 tries per code (503 without SMTP_URL)',
        body: VerifyEmailBody,
        response: { 200: MessageSchema, 400: DetailSchema, ...errors },
      },
    },
    async (req) => emailVerification.verify(req.viewer, req.body.email, req.body.code),
  );

  app.delete(
    '/api/v1/email-verification/verified-emails/:email',
    {
      schema: {
        tags: ['email-verification'],
        summary: 'Remove an address from your verified list (not your account email)',
        params: EmailParams,
        response: { 200: MessageSchema, 400: DetailSchema, ...errors },
      },
    },
    async (req) => emailVerification.remove(req.viewer, req.params.email),
  );
};

// Notification history (webhook deliveries, notification sends) and email verification,
// as the dashboard's settings page reads them. Shared by REST, OpenAPI and GraphQL.
import { type Static, Type } from '@sinclair/typebox';
import { DateTime, NullableDateTime, NullableString, StringEnum } from '../http/schemas.js';
import { NO_NUL_PATTERN } from '../lib/validation.js';
import { TASK_LIMITS } from '../tasks/tasks.schemas.js';

export const HISTORY_LIMITS = { default: 50, max: 100, maxOffset: 10_000 } as const;

const page = {
  task_id: Type.Optional(Type.String({ format: 'uuid', description: 'Only this task (yours; else 404).' })),
  limit: Type.Integer({ minimum: 1, maximum: HISTORY_LIMITS.max, default: HISTORY_LIMITS.default }),
  offset: Type.Integer({ minimum: 0, maximum: HISTORY_LIMITS.maxOffset, default: 0 }),
};

export const DeliveriesQuery = Type.Object(page);
export type DeliveriesQuery = Static<typeof DeliveriesQuery>;

export const CHANNELS = ['email', 'webhook'] as const;

export const SendsQuery = Type.Object({ notification_type: Type.Optional(StringEnum(CHANNELS)), ...page });
export type SendsQuery = Static<typeof SendsQuery>;

export const DELIVERY_STATUSES = ['success', 'failed', 'retrying'] as const;
export const SEND_STATUSES = ['success', 'failed', 'retrying', 'skipped', 'refused'] as const;

const NullableInt = Type.Unsafe<number | null>({ type: ['integer', 'null'] });

export const WebhookDeliverySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  task_id: Type.String({ format: 'uuid' }),
  execution_id: Type.String({ format: 'uuid' }),
  webhook_url: Type.String(),
  status: StringEnum(DELIVERY_STATUSES, { description: '`retrying` while attempts remain' }),
  http_status_code: NullableInt,
  attempts: Type.Integer(),
  next_retry_at: NullableDateTime,
  error_message: NullableString,
  created_at: DateTime,
  delivered_at: NullableDateTime,
  failed_at: NullableDateTime,
  http_status: Type.Unsafe<number | null>({ type: ['integer', 'null'], description: 'Same as http_status_code' }),
  attempt_number: Type.Integer({ description: 'Same as attempts' }),
});

/** Torale's `GET /webhooks/deliveries` answer: a bare array. */
export const DeliveriesSchema = Type.Array(WebhookDeliverySchema);

export const NotificationSendSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  user_id: Type.String({ format: 'uuid' }),
  task_id: Type.String({ format: 'uuid' }),
  execution_id: Type.String({ format: 'uuid' }),
  recipient: Type.String({ description: 'The email address, or the webhook URL' }),
  notification_type: StringEnum(CHANNELS),
  status: StringEnum(SEND_STATUSES, {
    description:
      '`skipped` = recorded, not sent (no email provider); `refused` = over a spam limit (the reason in error_message)',
  }),
  error_message: NullableString,
  created_at: DateTime,
});

export const SendsPageSchema = Type.Object({ sends: Type.Array(NotificationSendSchema), total: Type.Integer() });

// --- email verification ------------------------------------------------------------------

const Email = Type.String({
  format: 'email',
  minLength: 1,
  maxLength: TASK_LIMITS.emailLength,
  pattern: NO_NUL_PATTERN,
  'x-trim': true,
});

export const EmailBody = Type.Object({ email: Email }, { additionalProperties: false });
export type EmailBody = Static<typeof EmailBody>;

export const VerifyEmailBody = Type.Object(
  { email: Email, code: Type.String({ minLength: 1, maxLength: 32, pattern: NO_NUL_PATTERN }) },
  { additionalProperties: false },
);
export type VerifyEmailBody = Static<typeof VerifyEmailBody>;

export const EmailParams = Type.Object({ email: Type.String() });

export const VerifiedEmailsSchema = Type.Object({
  verified_emails: Type.Array(Type.String()),
  primary_email: NullableString,
});

export const MessageSchema = Type.Object({ message: Type.String() });

export const CodeSentSchema = Type.Object({
  message: Type.String(),
  expires_in_minutes: Type.Optional(Type.Integer({ description: 'How long the code is valid (15)' })),
  expires_at: Type.Optional(Type.String({ format: 'date-time', description: 'When the code stops working' })),
});

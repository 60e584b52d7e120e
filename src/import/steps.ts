// What is carried, in the order foreign keys need: each step reads one Torale table (in key
// order), converts each row (convert.ts) and writes one gateway table (plus, for webhook
// deliveries, their attempt). Tables and columns the gateway does not have yet are reported
// as not carried, with the reason, rather than guessed at.
import {
  type ConvertContext,
  type Converted,
  convertApiKey,
  convertDefaultWebhook,
  convertExecution,
  convertTask,
  convertUser,
  convertWebhookDelivery,
} from './convert.js';
import { convertEmailVerification, convertNotificationSend } from './convert-email.js';
import type { SourceQuery } from './torale-source.repository.js';

export interface Step {
  name: string;
  source: SourceQuery;
  target: { table: string; key: string };
  /** Where this step's rows go as well (webhook attempts). */
  secondary?: { table: string; key: string };
  /** Written once, never compared: the gateway's own bookkeeping of the row. */
  notCompared?: readonly string[];
  /** The gateway key a source key becomes (default webhooks are keyed by their user). */
  targetKey?(sourceKey: string, ctx: ConvertContext): string;
  /** Rows not carried are remembered, so their children are not carried either. */
  remember?: keyof ConvertContext['skipped'];
  /** Why the gateway cannot take this table at all (a table it does not have), else null. */
  unavailable?(gateway: Map<string, Set<string>>): string | null;
  convert(row: never, ctx: ConvertContext): Converted;
}

const USER_COLUMNS = [
  'id',
  'clerk_user_id',
  'email',
  'first_name',
  'username',
  'is_active',
  'has_seen_welcome',
  'verified_notification_emails',
  'webhook_url',
  'webhook_secret',
  'webhook_enabled',
  'created_at',
  'updated_at',
] as const;

export const STEPS: readonly Step[] = [
  {
    name: 'users',
    source: { table: 'users', columns: USER_COLUMNS },
    target: { table: 'users', key: 'id' },
    remember: 'users',
    // Kept by a trigger on every write: a forced overwrite is an edit and says so.
    notCompared: ['updated_at'],
    convert: convertUser as Step['convert'],
  },
  {
    name: 'default webhooks',
    source: { table: 'users', columns: USER_COLUMNS, where: 'webhook_url is not null' },
    target: { table: 'default_webhooks', key: 'user_id' },
    targetKey: (id, ctx) => ctx.userId(id),
    convert: convertDefaultWebhook as Step['convert'],
  },
  {
    name: 'api keys',
    source: {
      table: 'api_keys',
      columns: ['id', 'user_id', 'key_prefix', 'key_hash', 'name', 'created_at', 'last_used_at', 'is_active'],
    },
    target: { table: 'api_keys', key: 'id' },
    // The gateway's own stamp moves with use; scopes are the gateway's (every scope).
    notCompared: ['last_used_at'],
    convert: convertApiKey as Step['convert'],
  },
  {
    name: 'tasks',
    source: {
      table: 'tasks',
      columns: [
        'id',
        'user_id',
        'name',
        'search_query',
        'condition_description',
        'state',
        'next_run',
        'is_public',
        'view_count',
        'subscriber_count',
        'forked_from_task_id',
        'last_known_state',
        'last_execution_id',
        'notifications',
        'notification_channels',
        'notification_email',
        'webhook_url',
        'webhook_secret',
        'context',
        'attached_connector_slugs',
        'state_changed_at',
        'created_at',
        'updated_at',
        '(select u.email from users u where u.id = tasks.user_id) as user_email',
        '(select u.webhook_url from users u where u.id = tasks.user_id) as user_webhook_url',
        '(select u.webhook_secret from users u where u.id = tasks.user_id) as user_webhook_secret',
      ],
    },
    target: { table: 'tasks', key: 'id' },
    remember: 'tasks',
    // Counters move with use in the gateway; updated_at is kept by a trigger.
    notCompared: ['view_count', 'subscriber_count', 'updated_at'],
    convert: convertTask as Step['convert'],
  },
  {
    name: 'executions',
    source: {
      table: 'task_executions',
      columns: [
        'id',
        'task_id',
        'status',
        'started_at',
        'completed_at',
        'result',
        'error_message',
        'notification',
        'grounding_sources',
        'retry_count',
        'error_category',
        'internal_error',
        'created_at',
      ],
    },
    target: { table: 'task_executions', key: 'id' },
    remember: 'executions',
    notCompared: ['attempts'],
    convert: convertExecution as Step['convert'],
  },
  {
    name: 'webhook deliveries',
    source: {
      table: 'webhook_deliveries',
      columns: [
        'id',
        'task_id',
        'execution_id',
        'webhook_url',
        'payload',
        'http_status',
        'attempt_number',
        'delivered_at',
        'failed_at',
        'error_message',
        'next_retry_at',
        'created_at',
      ],
    },
    target: { table: 'notification_deliveries', key: 'id' },
    secondary: { table: 'notification_attempts', key: 'id' },
    convert: convertWebhookDelivery as Step['convert'],
  },
  {
    name: 'email sends',
    source: {
      table: 'notification_sends',
      columns: [
        'id',
        'user_id',
        'task_id',
        'execution_id',
        'recipient_email',
        'notification_type',
        'status',
        'error_message',
        'created_at',
      ],
    },
    target: { table: 'email_sends', key: 'id' },
    unavailable: (gateway) => (gateway.has('email_sends') ? null : 'this gateway has no email_sends table'),
    convert: convertNotificationSend as Step['convert'],
  },
  {
    name: 'email verifications',
    source: {
      table: 'email_verifications',
      columns: [
        'id',
        'user_id',
        'email',
        'verification_code',
        'verified',
        'expires_at',
        'verified_at',
        'attempts',
        'created_at',
      ],
    },
    target: { table: 'email_verifications', key: 'id' },
    // A pending code is hashed with a fresh salt on every run.
    notCompared: ['code_hash'],
    unavailable: (gateway) =>
      gateway.has('email_verifications') ? null : 'this gateway has no email_verifications table',
    convert: convertEmailVerification as Step['convert'],
  },
];

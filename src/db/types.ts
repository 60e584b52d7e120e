// Row types of every table, as Kysely sees them. Migrations in /migrations are the
// source of truth; keep this file in step with them.
import type { ColumnType, Generated, Kysely, Selectable, Transaction } from 'kysely';
import type { GroundingSource } from '../tasks/execution-result.js';
import type { ExecutionStatus, TaskState } from '../tasks/task-states.js';
import type { WaitlistStatus } from '../waitlist/waitlist-statuses.js';
import type { AdminAuditLogTable } from './admin-audit.table.js';

/** Set by the database default; never written by code. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** Maintained by the set_updated_at trigger. */
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export interface UsersTable {
  id: Generated<string>;
  clerk_user_id: string;
  email: string | null;
  first_name: string | null;
  username: string | null;
  is_active: Generated<boolean>;
  has_seen_welcome: Generated<boolean>;
  /** Addresses besides the account email that task emails may go to (verified by a code). */
  verified_notification_emails: ColumnType<string[], string[] | undefined, string[]>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ApiKeysTable {
  id: Generated<string>;
  user_id: string;
  key_prefix: string;
  key_hash: string;
  name: string;
  created_at: CreatedAt;
  last_used_at: Date | null;
  is_active: Generated<boolean>;
  revoked_at: Date | null;
  /** null = never expires; a rotated key's end of grace. */
  expires_at: Date | null;
  scopes: Generated<string[]>;
  /** Set on the old key of a rotation. */
  replaced_by_key_id: string | null;
}

export interface SecurityEventsTable {
  id: Generated<string>;
  seq: ColumnType<string, never, never>;
  user_id: string;
  type: string;
  created_at: CreatedAt;
  ip: string | null;
  user_agent: string | null;
  api_key_id: string | null;
  key_prefix: string | null;
  detail: string | null;
  dedupe_key: string | null;
}

/** What Clerk's webhooks did to a user: Clerk only undoes its own disable; late events change nothing. */
export interface ClerkUserStateTable {
  clerk_user_id: string;
  /** 'clerk' = banned or locked in Clerk; 'deleted' = deleted in Clerk; 'admin' = an admin deactivated them. */
  disabled_by: 'clerk' | 'deleted' | 'admin' | null;
  last_event_at: Date | null;
}

export interface ClerkWebhookReceiptsTable {
  svix_id: string;
  type: string;
  received_at: CreatedAt;
}

export type { ExecutionStatus, TaskState };

export interface EmailNotification {
  type: 'email';
  address: string;
  /** Torale's NotificationConfig.template: kept and echoed, not rendered. */
  template?: string;
}
export interface WebhookNotification {
  type: 'webhook';
  url: string;
  method: 'POST' | 'PUT';
  headers: Record<string, string>;
  template?: string;
}
export type Notification = EmailNotification | WebhookNotification;
export type WebhookDisabledReason = 'gone' | 'failing';

type Json = ColumnType<unknown, string | undefined, string>;

export interface TasksTable {
  id: Generated<string>;
  user_id: string;
  name: string;
  search_query: string;
  condition_description: string;
  state: Generated<TaskState>;
  next_run: Date | null;
  /** When the dispatcher starts the next run; null = none to start (internal). */
  next_dispatch_at: Date | null;
  is_public: Generated<boolean>;
  view_count: Generated<number>;
  subscriber_count: Generated<number>;
  forked_from_task_id: string | null;
  last_known_state: Json | null;
  last_execution_id: string | null;
  notifications: ColumnType<Notification[], string | undefined, string>;
  webhook_secret: string | null;
  /** The secret before the last rotation; it signs too until webhook_secret_previous_until. */
  webhook_secret_previous: Generated<string | null>;
  webhook_secret_previous_until: Generated<Date | null>;
  webhook_disabled_at: Generated<Date | null>;
  webhook_disabled_reason: Generated<WebhookDisabledReason | null>;
  /** Since when every attempt of this task's webhook has failed (cleared by a success or a save). */
  webhook_failing_since: Generated<Date | null>;
  /** Torale's `context`: a JSON object the owner attached, handed back to webhook receivers. */
  context: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  state_changed_at: ColumnType<Date, Date | string | undefined, Date | string>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface TaskExecutionsTable {
  id: Generated<string>;
  task_id: string;
  status: Generated<ExecutionStatus>;
  started_at: ColumnType<Date, Date | string | undefined, Date | string>;
  completed_at: Date | null;
  result: Json | null;
  error_message: string | null;
  notification: string | null;
  grounding_sources: ColumnType<GroundingSource[], string | undefined, string>;
  created_at: CreatedAt;
  run_token: string | null;
  attempts: Generated<number>;
  /** The task's owner, filled in by the database (the owner feed's index). */
  user_id: Generated<string>;
}

export interface NotificationDeliveriesTable {
  id: Generated<string>;
  task_id: string;
  /** null for what no run produced (a test ping, a notice about the webhook itself). */
  execution_id: string | null;
  channel: 'webhook' | 'email';
  target: string;
  payload: ColumnType<unknown, string, string>;
  status: Generated<'pending' | 'delivered' | 'failed' | 'skipped'>;
  reason: string | null;
  attempts: Generated<number>;
  created_at: CreatedAt;
  delivered_at: Date | null;
  event: Generated<string>;
  next_attempt_at: Generated<Date | null>;
  attempt_claimed_at: Generated<Date | null>;
}

export interface NotificationAttemptsTable {
  id: Generated<string>;
  delivery_id: string;
  attempt: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  created_at: CreatedAt;
}

export interface EmailVerificationsTable {
  id: Generated<string>;
  user_id: string;
  email: string;
  code_hash: string;
  expires_at: Date;
  attempts: Generated<number>;
  verified_at: Date | null;
  created_at: CreatedAt;
}

export type EmailKind = 'condition_met' | 'welcome' | 'verification' | 'webhook_disabled';
export type EmailStatus = 'pending' | 'delivered' | 'failed' | 'refused' | 'skipped';
/** What goes out: the same on every attempt. */
export interface EmailMessage {
  text: string;
  html: string;
  headers: Record<string, string>;
}

export interface EmailSendsTable {
  id: Generated<string>;
  user_id: string;
  task_id: string | null;
  execution_id: string | null;
  verification_id: string | null;
  kind: EmailKind;
  recipient: string;
  subject: string;
  message: ColumnType<EmailMessage | null, string | null, string | null>;
  message_id: string;
  status: Generated<EmailStatus>;
  reason: string | null;
  attempts: Generated<number>;
  attempt_claimed_at: Generated<Date | null>;
  next_attempt_at: Generated<Date | null>;
  last_response_code: Generated<number | null>;
  last_error: Generated<string | null>;
  created_at: CreatedAt;
  delivered_at: Generated<Date | null>;
  ended_at: Generated<Date | null>;
}

export interface IdempotencyKeysTable {
  user_id: string;
  key: string;
  request_hash: string;
  resource_id: string | null;
  /** Reset when an expired key is claimed again. */
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface TaskViewsTable {
  task_id: string;
  day: ColumnType<Date, string, string>;
  viewer: string;
}

export interface TaskSubscribersTable {
  task_id: string;
  user_id: string;
  created_at: CreatedAt;
}

export interface TaskTemplatesTable {
  id: Generated<string>;
  name: string;
  description: string;
  category: string;
  icon: string | null;
  search_query: string;
  condition_description: string;
  is_active: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface DefaultWebhooksTable {
  user_id: string;
  url: string;
  secret: string;
  enabled: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface WaitlistTable {
  id: Generated<string>;
  email: string;
  status: Generated<WaitlistStatus>;
  invited_at: Date | null;
  notes: string | null;
  created_at: CreatedAt;
}

export interface DB {
  admin_audit_log: AdminAuditLogTable;
  waitlist: WaitlistTable;
  task_templates: TaskTemplatesTable;
  default_webhooks: DefaultWebhooksTable;
  task_views: TaskViewsTable;
  task_subscribers: TaskSubscribersTable;
  idempotency_keys: IdempotencyKeysTable;
  notification_deliveries: NotificationDeliveriesTable;
  notification_attempts: NotificationAttemptsTable;
  email_verifications: EmailVerificationsTable;
  email_sends: EmailSendsTable;
  users: UsersTable;
  api_keys: ApiKeysTable;
  security_events: SecurityEventsTable;
  clerk_webhook_receipts: ClerkWebhookReceiptsTable;
  clerk_user_state: ClerkUserStateTable;
  tasks: TasksTable;
  task_executions: TaskExecutionsTable;
}

/** The database, or a transaction on it: repositories take either. */
export type Db = Kysely<DB> | Transaction<DB>;

export type TaskRow = Selectable<TasksTable>;
/** An execution as clients see it (the run token and attempt counter stay internal). */
export type ExecutionRow = Omit<Selectable<TaskExecutionsTable>, 'run_token' | 'attempts' | 'user_id'>;

/** A user as the request sees it (the verified addresses are read where emails are decided). */
export type UserRow = Omit<Selectable<UsersTable>, 'verified_notification_emails'>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type SecurityEventRow = Omit<Selectable<SecurityEventsTable>, 'dedupe_key'>;
export type TaskTemplateRow = Selectable<TaskTemplatesTable>;
export type DefaultWebhookRow = Selectable<DefaultWebhooksTable>;
export type WaitlistRow = Selectable<WaitlistTable>;
export type AdminAuditRow = Selectable<AdminAuditLogTable>;

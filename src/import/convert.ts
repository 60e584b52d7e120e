// Torale rows → gateway rows, as pure functions: what is carried as it is, what is converted
// (and noted), and what cannot be carried at all (and why). Nothing here reads a database.
import { createHash } from 'node:crypto';
import { SCOPES } from '../auth/viewer.js';
import type { Notification } from '../db/types.js';
import { isAppError } from '../errors.js';
import { parseNotifications } from '../tasks/notifications.js';
import { isLive, TASK_STATES } from '../tasks/task-states.js';
import { executionResult, groundingSources } from './convert-results.js';
import type { Row } from './import.repository.js';
import type { ToraleApiKey, ToraleExecution, ToraleTask, ToraleUser, ToraleWebhookDelivery } from './torale.types.js';

/**
 * A converted row (with what changed on the way), the reason it cannot be carried, or
 * `merged`: the gateway holds the same thing under its own id (a user it already knew).
 */
export type Converted = { row: Row; secondary?: Row; notes?: string[] } | { skip: string } | { merged: true };

export interface ConvertContext {
  /** The gateway id of a Torale user (the same, unless the gateway knew the Clerk user already). */
  userId(toraleUserId: string): string;
  /** Ids, per kind, of rows that were not carried: their children cannot be either. */
  skipped: { users: Set<string>; tasks: Set<string>; executions: Set<string> };
}

export const INTERRUPTED = 'Interrupted by the move from Torale; the task runs again at its next check';
const KEY_PREFIX_RE = /^sk_[A-Za-z0-9_-]{12}\.\.\.$/;
const BCRYPT_RE = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;
const STRICT = { allowInsecureTargets: false };

/** A stable UUID for a row the importer derives from another (the same on every run). */
export function derivedId(kind: string, id: string): string {
  const h = createHash('sha256').update(`torale-import:${kind}:${id}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h[16] as string, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function convertUser(u: ToraleUser, ctx: ConvertContext): Converted {
  if (ctx.userId(u.id) !== u.id) return { merged: true };
  return {
    row: {
      id: u.id,
      clerk_user_id: u.clerk_user_id,
      email: u.email,
      first_name: u.first_name,
      username: u.username,
      is_active: u.is_active,
      has_seen_welcome: u.has_seen_welcome,
      verified_notification_emails: u.verified_notification_emails ?? [],
      created_at: u.created_at,
      updated_at: u.updated_at,
    },
  };
}

/** A user's default webhook (Torale keeps it on the user row). */
export function convertDefaultWebhook(u: ToraleUser, ctx: ConvertContext): Converted {
  if (ctx.skipped.users.has(u.id)) return { skip: 'its user was not carried over' };
  if (!u.webhook_secret) return { skip: 'default webhook has no signing secret in Torale (it never sent)' };
  const why = notificationProblem({ type: 'webhook', url: u.webhook_url ?? '' });
  if (why) return { skip: `default webhook ${why}` };
  return {
    row: {
      user_id: ctx.userId(u.id),
      url: (u.webhook_url ?? '').trim(),
      secret: u.webhook_secret,
      enabled: u.webhook_enabled ?? false,
      created_at: u.created_at,
      updated_at: u.updated_at,
    },
  };
}

export function convertApiKey(k: ToraleApiKey, ctx: ConvertContext): Converted {
  if (ctx.skipped.users.has(k.user_id)) return { skip: 'its user was not carried over' };
  if (!KEY_PREFIX_RE.test(k.key_prefix)) return { skip: 'key_prefix is not the prefix of a Torale key' };
  if (!BCRYPT_RE.test(k.key_hash)) return { skip: 'key_hash is not a bcrypt hash' };
  return {
    row: {
      id: k.id,
      user_id: ctx.userId(k.user_id),
      key_prefix: k.key_prefix,
      key_hash: k.key_hash,
      name: k.name,
      created_at: k.created_at,
      last_used_at: k.last_used_at,
      is_active: k.is_active,
      // Torale does not record when a key was revoked: its last known use stands in.
      revoked_at: k.is_active ? null : (k.last_used_at ?? k.created_at),
      scopes: [...SCOPES],
      expires_at: null,
      replaced_by_key_id: null,
    },
  };
}

/** Why the gateway would refuse this notification, or null when it takes it. */
function notificationProblem(n: Record<string, unknown>): string | null {
  try {
    parseNotifications([n as never], STRICT);
    return null;
  } catch (e) {
    if (isAppError(e) && typeof e.detail === 'string') return e.detail.replace(/^Invalid notification: /, '');
    throw e;
  }
}

export type ToraleTaskRow = ToraleTask & {
  user_email: string | null;
  user_webhook_url: string | null;
  user_webhook_secret: string | null;
};

/**
 * Torale's notifications list (what its API shows) and its delivery columns (what it acts
 * on: notification_channels, notification_email, the task's or the user's webhook) become
 * one gateway list that sends the same things.
 */
function taskNotifications(t: ToraleTaskRow, notes: string[]): { list: Notification[]; secret: string | null } {
  const items = Array.isArray(t.notifications) ? (t.notifications as Record<string, unknown>[]) : [];
  const channels = t.notification_channels?.length ? t.notification_channels : ['email'];
  const list: Notification[] = [];
  let secret: string | null = null;
  const add = (raw: Record<string, unknown>, from: string): void => {
    if (raw.type !== 'email' && raw.type !== 'webhook') {
      notes.push('a notification of unknown type dropped');
      return;
    }
    const why = notificationProblem(raw);
    if (why) {
      notes.push(`${raw.type} ${from} dropped: ${why}`);
      return;
    }
    const [parsed] = parseNotifications([raw as never], STRICT) as [Notification];
    if (parsed.type === 'webhook') {
      secret = t.webhook_secret ?? t.user_webhook_secret;
      if (!secret) {
        notes.push(`webhook ${from} dropped: no signing secret in Torale (it never sent)`);
        return;
      }
    }
    list.push(parsed);
  };
  for (const item of items) if (item && typeof item === 'object') add(item, 'notification');
  const has = (type: string) => list.some((n) => n.type === type);
  const webhookUrl = t.webhook_url ?? t.user_webhook_url;
  if (channels.includes('webhook') && !has('webhook') && webhookUrl && !items.some((i) => i?.type === 'webhook')) {
    add({ type: 'webhook', url: webhookUrl }, 'from notification_channels');
  }
  // Torale emails the account address when no address is named; the gateway emails it only
  // for a task with no notifications at all, so a task with a webhook names it explicitly.
  if (channels.includes('email') && !has('email') && !items.some((i) => i?.type === 'email') && list.length > 0) {
    const address = t.notification_email ?? t.user_email;
    if (address) add({ type: 'email', address }, 'from notification_channels');
  }
  return { list, secret: has('webhook') ? secret : null };
}

export function convertTask(t: ToraleTaskRow, ctx: ConvertContext): Converted {
  if (ctx.skipped.users.has(t.user_id)) return { skip: 'its user was not carried over' };
  if (!(TASK_STATES as readonly string[]).includes(t.state)) return { skip: `unknown state "${t.state}"` };
  const notes: string[] = [];
  const blank = (s: string | null) => !s || s.trim() === '';
  let query = t.search_query;
  if (blank(query)) {
    query = blank(t.condition_description) ? t.name : t.condition_description;
    notes.push('search_query was empty: taken from the condition (or the name)');
  }
  let condition = t.condition_description;
  if (blank(condition)) condition = query;
  if (t.attached_connector_slugs?.length) notes.push('attached connectors not carried (the gateway has no connectors)');
  const count = (n: number | null, what: string) => {
    if (n !== null && n < 0) notes.push(`negative ${what} set to 0`);
    return Math.max(n ?? 0, 0);
  };
  const { list, secret } = taskNotifications(t, notes);
  const created = t.created_at ?? t.state_changed_at;
  return {
    notes,
    row: {
      id: t.id,
      user_id: ctx.userId(t.user_id),
      name: t.name,
      search_query: query,
      condition_description: condition,
      state: t.state,
      next_run: t.next_run,
      is_public: t.is_public ?? false,
      view_count: count(t.view_count, 'view_count'),
      subscriber_count: count(t.subscriber_count, 'subscriber_count'),
      last_known_state: t.last_known_state ?? null,
      notifications: list,
      webhook_secret: secret,
      context: t.context ?? null,
      state_changed_at: t.state_changed_at,
      created_at: created,
      updated_at: t.updated_at ?? created,
    },
  };
}

export function convertExecution(e: ToraleExecution, ctx: ConvertContext): Converted {
  if (ctx.skipped.tasks.has(e.task_id)) return { skip: 'its task was not carried over' };
  const started = e.started_at ?? e.created_at;
  if (!started) return { skip: 'no start or creation time' };
  const notes: string[] = [];
  const live = isLive(e.status);
  if (live) notes.push(`a ${e.status} run was cancelled: ${INTERRUPTED}`);
  if (e.internal_error || e.error_category) notes.push('internal_error and error_category not carried');
  const sources = groundingSources(e.grounding_sources);
  return {
    notes,
    row: {
      id: e.id,
      task_id: e.task_id,
      status: live ? 'cancelled' : e.status,
      started_at: started,
      completed_at: e.completed_at ?? (live ? started : null),
      result: executionResult(e.status, e.result, e.notification, sources),
      error_message: live ? INTERRUPTED : e.error_message,
      notification: e.notification,
      grounding_sources: sources,
      created_at: e.created_at ?? started,
      attempts: e.retry_count + (e.status === 'pending' ? 0 : 1),
    },
  };
}

/** A Torale delivery row (one per delivery, its last attempt's outcome) → delivery + attempt. */
export function convertWebhookDelivery(d: ToraleWebhookDelivery, ctx: ConvertContext): Converted {
  if (ctx.skipped.tasks.has(d.task_id)) return { skip: 'its task was not carried over' };
  const executionId = d.execution_id && !ctx.skipped.executions.has(d.execution_id) ? d.execution_id : null;
  const notes: string[] = [];
  const waiting = !d.delivered_at && !d.failed_at;
  if (waiting) notes.push('a delivery waiting for a retry in Torale is recorded as failed, not retried');
  const at = d.delivered_at ?? d.failed_at ?? d.created_at;
  return {
    notes,
    row: {
      id: d.id,
      task_id: d.task_id,
      execution_id: executionId,
      channel: 'webhook',
      target: d.webhook_url,
      payload: d.payload ?? {},
      status: d.delivered_at ? 'delivered' : 'failed',
      reason: waiting
        ? `not retried after the move from Torale${d.error_message ? `: ${d.error_message}` : ''}`
        : d.error_message,
      attempts: d.attempt_number,
      created_at: d.created_at ?? at,
      delivered_at: d.delivered_at,
      event: 'task.condition_met',
    },
    secondary: {
      id: derivedId('webhook-attempt', d.id),
      delivery_id: d.id,
      attempt: d.attempt_number,
      status_code: d.http_status,
      error: d.error_message,
      // Torale does not record how long an attempt took.
      duration_ms: 0,
      created_at: at,
    },
  };
}

// A user's default webhook: the target (and signing secret) new tasks get when they are
// created without notifications, and a signed test ping. The URL passes the same target
// rules as task webhooks; the secret is shown in full once, in the response that made it.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { requireScope, requireUser, type Viewer } from '../auth/viewer.js';
import type { DB, WebhookNotification } from '../db/types.js';
import { Errors, isAppError } from '../errors.js';
import type { RateLimit } from '../lib/rate-limit.js';
import { sendWebhook } from '../runs/webhook-sender.js';
import { type NotificationRules, newWebhookSecret, parseNotifications } from '../tasks/notifications.js';
import { deleteDefaultWebhook, findDefaultWebhook, upsertDefaultWebhook } from './webhooks.repository.js';
import type { WebhookConfigBody, WebhookTestBody } from './webhooks.schemas.js';

export interface WebhookConfig {
  url: string | null;
  secret: string | null;
  enabled: boolean;
}

export interface WebhooksServiceDeps {
  db: Kysely<DB>;
  rules: NotificationRules;
  /** Test pings per user. */
  testLimit: RateLimit;
  timeoutMs: number;
  /** Ports a test ping may call (any, when insecure targets are allowed for local testing). */
  testPorts: readonly number[];
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;

const NONE: WebhookConfig = { url: null, secret: null, enabled: false };

/** Enough of a secret to recognise it (and truthy, for the dashboard), never enough to sign with. */
export const secretHint = (secret: string) => `${secret.slice(0, 10)}…${secret.slice(-4)}`;

/** The URL as task webhooks store it, or the rules' 400 `Invalid notification: …`. */
/** Checked as a task webhook is, and normalised as Torale's `HttpUrl` field does (`https://x` → `https://x/`). */
const targetOf = (url: string, rules: NotificationRules) =>
  new URL((parseNotifications([{ type: 'webhook', url }], rules)[0] as WebhookNotification).url).toString();

const INVALID_PREFIX = 'Invalid notification: ';

/** Every network failure of a test ping reads the same. */
export const UNREACHABLE = 'the target could not be reached';

const portOf = (url: string) => {
  const u = new URL(url);
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
};

export function createWebhooksService({ db, rules, testLimit, timeoutMs, testPorts }: WebhooksServiceDeps) {
  return {
    async getConfig(viewer: Viewer): Promise<WebhookConfig> {
      requireScope(viewer, 'tasks:read');
      const saved = await findDefaultWebhook(db, requireUser(viewer).id);
      return saved ? { url: saved.url, secret: secretHint(saved.secret), enabled: saved.enabled } : NONE;
    },

    /** A new secret when there was none or the URL changed; no URL clears the config. */
    async updateConfig(viewer: Viewer, body: WebhookConfigBody): Promise<WebhookConfig> {
      requireScope(viewer, 'tasks:write');
      const user = requireUser(viewer);
      if (!body.webhook_url) {
        await deleteDefaultWebhook(db, user.id);
        return NONE;
      }
      const saved = await upsertDefaultWebhook(db, {
        userId: user.id,
        url: targetOf(body.webhook_url, rules),
        enabled: body.enabled ?? false,
        newSecret: newWebhookSecret(),
      });
      return {
        url: saved.url,
        secret: saved.secretIsNew ? saved.secret : secretHint(saved.secret),
        enabled: saved.enabled,
      };
    },

    /**
     * One signed ping now, through the task webhooks' sender (same address policy). The saved
     * URL is signed with the stored secret (the dashboard only holds the hint), any other
     * URL with the secret given.
     */
    async test(viewer: Viewer, body: WebhookTestBody): Promise<{ success: true; message: string }> {
      requireScope(viewer, 'tasks:write');
      const user = requireUser(viewer);
      const quota = await testLimit.consume(user.id);
      if (!quota.allowed) throw Errors.tooManyRequests(quota.retryAfterSeconds);
      let url: string;
      try {
        url = targetOf(body.webhook_url, rules);
      } catch (e) {
        if (isAppError(e) && typeof e.detail === 'string') {
          throw Errors.badRequest(`Webhook delivery failed: ${e.detail.replace(INVALID_PREFIX, '')}`);
        }
        throw e;
      }
      const port = portOf(url);
      if (!rules.allowInsecureTargets && !testPorts.includes(port)) {
        throw Errors.badRequest(
          `Webhook delivery failed: port ${port} is not allowed (allowed: ${testPorts.join(', ')})`,
        );
      }
      const saved = await findDefaultWebhook(db, user.id);
      const secret = saved?.url === url ? saved.secret : body.webhook_secret;
      const id = `test_${randomBytes(8).toString('hex')}`;
      const now = new Date().toISOString();
      const payload = {
        id,
        event_type: 'task.condition_met',
        created_at: now,
        object: 'event',
        api_version: 'v1',
        data: {
          task: {
            id: 'test_task_id',
            name: 'Test Task',
            search_query: 'Test query',
            condition_description: 'Test condition',
          },
          execution: { id: 'test_execution_id', notification: 'Test notification text', completed_at: now },
          result: { answer: 'Test answer', grounding_sources: [] },
        },
      };
      const attempt = await sendWebhook({
        url,
        method: 'POST',
        headers: {},
        body: JSON.stringify(payload),
        secrets: secret ? [secret] : [],
        deliveryId: id,
        event: 'task.condition_met',
        allowInsecureTargets: rules.allowInsecureTargets,
        timeoutMs,
      });
      const code = attempt.statusCode;
      if (code !== null && code >= 200 && code < 300) {
        return { success: true, message: `Webhook delivered successfully (HTTP ${code})` };
      }
      // What the target answered is the caller's business; how the network failed (refused,
      // reset, timed out, which address) would tell a port scanner what is behind a host.
      throw Errors.badRequest(`Webhook delivery failed: ${code === null ? UNREACHABLE : `HTTP ${code}`}`);
    },
  };
}

// A user's default webhook: the target (and signing secret) new tasks get when they are
// created without notifications, and a signed test ping. The URL passes the same target
// rules as task webhooks; the secret is shown in full once, in the response that made it.
import type { Kysely } from 'kysely';
import { requireScope, requireUser, type Viewer } from '../auth/viewer.js';
import type { DB } from '../db/types.js';
import { Errors } from '../errors.js';
import type { RateLimit } from '../lib/rate-limit.js';
import { defaultWebhookTestEvent } from './webhook-events.js';
import { failureOf, isDelivered, sendWebhook } from './webhook-sender.js';
import { newWebhookSecret } from './webhook-signing.js';
import { type TargetRules, webhookTarget } from './webhook-targets.js';
import { deleteDefaultWebhook, findDefaultWebhook, upsertDefaultWebhook } from './webhooks.repository.js';
import type { WebhookConfigBody, WebhookTestBody } from './webhooks.schemas.js';

export interface WebhookConfig {
  url: string | null;
  secret: string | null;
  enabled: boolean;
}

export interface WebhooksServiceDeps {
  db: Kysely<DB>;
  rules: TargetRules;
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

/**
 * Checked as a task webhook is, and normalised as Torale's `HttpUrl` field does
 * (`https://x` → `https://x/`); else a 400 with the rule it breaks, after `prefix`.
 */
function targetOf(url: string, rules: TargetRules, prefix: string): string {
  const target = webhookTarget(url, rules);
  if ('error' in target) throw Errors.badRequest(`${prefix}${target.error}`);
  return new URL(target.url).toString();
}

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
        url: targetOf(body.webhook_url, rules, 'Invalid notification: '),
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
      const url = targetOf(body.webhook_url, rules, 'Webhook delivery failed: ');
      const port = portOf(url);
      if (!rules.allowInsecureTargets && !testPorts.includes(port)) {
        throw Errors.badRequest(
          `Webhook delivery failed: port ${port} is not allowed (allowed: ${testPorts.join(', ')})`,
        );
      }
      const saved = await findDefaultWebhook(db, user.id);
      const secret = saved?.url === url ? saved.secret : body.webhook_secret;
      const event = defaultWebhookTestEvent();
      const attempt = await sendWebhook({
        url,
        method: 'POST',
        headers: {},
        body: JSON.stringify(event),
        secrets: secret ? [secret] : [],
        deliveryId: event.id,
        eventId: event.id,
        event: event.event_type,
        allowInsecureTargets: rules.allowInsecureTargets,
        timeoutMs,
      });
      if (isDelivered(attempt)) {
        return { success: true, message: `Webhook delivered successfully (HTTP ${attempt.statusCode})` };
      }
      // What the target answered (a status, a body it never finished) is the caller's business;
      // how the network failed (refused, reset, timed out, which address) would tell a port
      // scanner what is behind a host.
      const why = attempt.statusCode === null ? UNREACHABLE : failureOf(attempt);
      throw Errors.badRequest(`Webhook delivery failed: ${why}`);
    },
  };
}

/**
 * Torale's `POST /webhooks/verify` (the challenge a service like Slack sends when a URL is
 * registered): a `challenge` is echoed, a `url_verification` without one echoes `""`, anything
 * else is acknowledged. `undefined` = no JSON body at all (400, as Torale).
 */
export function verificationAnswer(body: unknown): { challenge: unknown } | { message: string } | undefined {
  if (body === undefined) return undefined;
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    if ('challenge' in b) return { challenge: b.challenge };
    if (b.type === 'url_verification') return { challenge: '' };
  }
  return { message: 'Verification endpoint' };
}

export const NOT_JSON = 'Invalid verification request: not valid JSON';

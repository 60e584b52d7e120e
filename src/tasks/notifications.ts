// Notification targets of a task: at most one email and one webhook. Webhooks must be
// https and aim at public addresses only (webhooks/webhook-targets.ts), else the gateway
// would call into its own network; delivery checks the addresses again when it connects.
import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { Notification, WebhookNotification } from '../db/types.js';
import { Errors } from '../errors.js';
import { SIGNATURE_HEADERS } from '../webhooks/webhook-sender.js';
import { type TargetRules, webhookTarget } from '../webhooks/webhook-targets.js';
import { type NotificationInput, TASK_LIMITS } from './tasks.schemas.js';

export const MULTIPLE_SAME_TYPE =
  'Multiple notifications of the same type are not supported. Please provide at most one email and one webhook notification.';

const invalid = (why: string) => Errors.badRequest(`Invalid notification: ${why}`);

/** Where Torale refuses the same thing, its words (its notifications/validate_notification). */
const TORALE_WORDING: Record<string, string> = {
  'webhook notifications need a url': 'Webhook URL required',
  'webhook url must use https': 'Webhook URL must use HTTPS',
};

// A practical address check: one @, no spaces, a dotted domain of sane labels.
export const EMAIL_RE =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
/** Headers a webhook may not set: framing, and those that sign the delivery. */
const FORBIDDEN_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', ...SIGNATURE_HEADERS]);

/**
 * The rules of a notifications list whose shape the schema already checked (one per type,
 * valid addresses, https targets outside private networks); throws the contract's 400s.
 */
export function parseNotifications(input: readonly NotificationInput[], rules: TargetRules): Notification[] {
  const out: Notification[] = [];
  const seen = new Set<string>();
  for (const n of input) {
    if (seen.has(n.type)) throw Errors.badRequest(MULTIPLE_SAME_TYPE);
    seen.add(n.type);
    out.push(n.type === 'email' ? parseEmail(n) : parseWebhook(n, rules));
  }
  return out;
}

/** Torale's clients send every NotificationConfig key, `null` where unset: null is "not given". */
const given = <T>(v: T | null | undefined): v is T => v !== null && v !== undefined;

/** A template is kept as given (Torale stores it and renders none); empty means none. */
const templateOf = (n: NotificationInput) => (given(n.template) && n.template.trim() ? { template: n.template } : {});

function parseEmail(n: NotificationInput): Notification {
  for (const k of ['url', 'headers'] as const) {
    if (given(n[k])) throw invalid(`email notifications do not take "${k}"`);
  }
  // Torale's NotificationConfig defaults `method` to POST, so its SDK sends it for email too.
  if (given(n.method) && n.method.toUpperCase() !== 'POST') throw invalid('email notifications do not take "method"');
  const address = typeof n.address === 'string' ? n.address.trim() : '';
  if (!address) throw invalid('Email address required');
  if (address.length > TASK_LIMITS.emailLength || !EMAIL_RE.test(address))
    throw invalid(`"${address.slice(0, 100)}" is not a valid email address`);
  return { type: 'email', address, ...templateOf(n) };
}

function parseWebhook(n: NotificationInput, rules: TargetRules): WebhookNotification {
  if (given(n.address)) throw invalid('webhook notifications do not take "address"');
  const target = webhookTarget(typeof n.url === 'string' ? n.url : '', rules);
  if ('error' in target) throw invalid(TORALE_WORDING[target.error] ?? target.error);
  const method = given(n.method) ? n.method.toUpperCase() : 'POST';
  if (method !== 'POST' && method !== 'PUT') throw invalid('webhook method must be POST or PUT');
  const headers: Record<string, string> = {};
  if (given(n.headers)) {
    const entries = Object.entries(n.headers);
    if (entries.length > TASK_LIMITS.webhookHeaders)
      throw invalid(`at most ${TASK_LIMITS.webhookHeaders} webhook headers`);
    for (const [k, v] of entries) {
      if (!nodeAccepts(validateHeaderName, k) || FORBIDDEN_HEADERS.has(k.toLowerCase()))
        throw invalid(`header "${k.slice(0, 64)}" is not allowed`);
      if (v.length > TASK_LIMITS.webhookHeaderValueLength) throw invalid(`header "${k}" must be a short string`);
      if (!nodeAccepts(validateHeaderValue, k, v))
        throw invalid(`header "${k}" must be printable ASCII or Latin-1, without control characters`);
      headers[k] = v;
    }
  }
  // Kept as written (Torale echoes it so): `https://host` stays without a trailing slash.
  return { type: 'webhook', url: target.url, method, headers, ...templateOf(n) };
}

/**
 * Whether node's HTTP client takes this header as it is (names: RFC 7230 tokens; values: tab,
 * visible ASCII and Latin-1). What it refuses would make every delivery fail, so it is refused
 * on save with the same check.
 */
function nodeAccepts<A extends unknown[]>(validate: (...args: A) => void, ...args: A): boolean {
  try {
    validate(...args);
    return true;
  } catch {
    return false;
  }
}

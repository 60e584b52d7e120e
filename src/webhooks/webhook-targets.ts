// Where a webhook may go: https, global unicast addresses only (the public internet). One
// rule for saving a webhook (a task's, tasks/notifications.ts; the default one,
// webhooks.service.ts) and for connecting to it (webhook-sender.ts, which checks IP
// literals before connecting and every resolved address of a host name).
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { Notification, WebhookNotification } from '../db/types.js';
import { TASK_LIMITS } from '../tasks/tasks.schemas.js';

/** The task's webhook among its notification targets (at most one). */
export const webhookOf = (ns: readonly Notification[]): WebhookNotification | undefined =>
  ns.find((n): n is WebhookNotification => n.type === 'webhook');

export interface TargetRules {
  /** WEBHOOK_ALLOW_INSECURE_TARGETS: plain http and private addresses (local testing only). */
  allowInsecureTargets: boolean;
}

/**
 * A webhook URL as written (trimmed), or why it may not be one. Addresses behind a host
 * name are checked again when connecting.
 */
export function webhookTarget(input: string, rules: TargetRules): { url: string } | { error: string } {
  const raw = input.trim();
  if (!raw) return { error: 'webhook notifications need a url' };
  if (raw.length > TASK_LIMITS.webhookUrlLength) return { error: 'webhook url is too long' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { error: 'webhook url is not a valid URL' };
  }
  if (url.username || url.password) return { error: 'webhook url must not contain credentials' };
  if (url.protocol !== 'https:' && !(rules.allowInsecureTargets && url.protocol === 'http:')) {
    return { error: 'webhook url must use https' };
  }
  const ip = ipLiteral(url.hostname);
  if (!rules.allowInsecureTargets && (ip ? !isPublicAddress(ip) : isLocalHostname(url.hostname))) {
    return { error: 'webhook url must not target loopback, private or link-local addresses' };
  }
  return { url: raw };
}

// ipaddr.js names every special-purpose range (loopback, private, linkLocal, uniqueLocal, 6to4,
// teredo, rfc6052, reserved, …) and calls the rest `unicast`; for IPv6 that rest also holds
// space never allocated, such as ::7f00:1 (127.0.0.1 in the deprecated IPv4-compatible form).
// 2000::/3 is the only block IANA hands out as global unicast.
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');

/** The IP address a URL host is written as (brackets removed), or undefined for a host name. */
export function ipLiteral(hostname: string): string | undefined {
  const h = hostname.replace(/^\[|\]$/g, '');
  return isIP(h) ? h : undefined;
}

/**
 * True only for a global unicast address. IPv4-mapped IPv6 (::ffff:a.b.c.d) is judged by the
 * IPv4 address it carries; anything that is not an IP address is false.
 */
export function isPublicAddress(address: string): boolean {
  const ip = ipLiteral(address);
  if (!ip) return false;
  try {
    // WHATWG URL writes IPv6 in plain hex. inet_ntop (what DNS answers come back as) writes
    // ::7f00:1 as "::127.0.0.1", which ipaddr.js would read as IPv4-mapped.
    const canonical = isIP(ip) === 6 ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip;
    const addr = ipaddr.process(canonical);
    if (addr.kind() === 'ipv4') return addr.range() === 'unicast';
    return addr.range() === 'unicast' && addr.match(GLOBAL_UNICAST_V6);
  } catch {
    return false; // e.g. an IPv6 zone id (fe80::1%eth0), which URL refuses: link-local anyway
  }
}

/** Names that only mean something inside a network (no public DNS answers for them). */
export function isLocalHostname(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return (
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    h.endsWith('.local') ||
    h.endsWith('.internal') ||
    h.endsWith('.localdomain') ||
    !h.includes('.')
  );
}

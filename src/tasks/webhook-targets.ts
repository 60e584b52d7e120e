// Where a webhook may go: global unicast addresses only (the public internet). One rule for
// saving a webhook (notifications.ts) and for connecting to it (runs/webhook-sender.ts), which
// checks IP literals before connecting and every resolved address of a host name.
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

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

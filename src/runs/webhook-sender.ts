// Sends one webhook attempt: signed body, the target's own headers, and an address check
// done at connect time: an IP literal before connecting (node asks no lookup for one), a
// host name in the lookup hook (the resolved IPs are what is checked, so DNS cannot point a
// public name at a private address between check and use).
import { createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { ipLiteral, isPublicAddress } from '../tasks/webhook-targets.js';

export function signature(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

export interface WebhookAttempt {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** A refusal that no retry can fix (blocked address, a request node will not build). */
  permanent: boolean;
}

const refused = (error: string): WebhookAttempt => ({ statusCode: null, error, durationMs: 0, permanent: true });
const unbuildable = (e: unknown) => refused(`the request could not be built: ${(e as Error).message}`);

export async function sendWebhook(opts: {
  url: string;
  method: 'POST' | 'PUT';
  headers: Record<string, string>;
  body: string;
  secret: string | null;
  deliveryId: string;
  event: string;
  allowInsecureTargets: boolean;
  timeoutMs: number;
}): Promise<WebhookAttempt> {
  const started = performance.now();
  let url: URL;
  try {
    url = new URL(opts.url);
  } catch (e) {
    return unbuildable(e);
  }
  const t = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    ...opts.headers,
    'content-type': 'application/json',
    'user-agent': 'Torale-Webhooks/1.0',
    'x-torale-event': opts.event,
    'x-torale-delivery': opts.deliveryId,
    ...(opts.secret && { 'x-torale-signature': signature(opts.secret, opts.body, t) }),
  };
  if (url.protocol !== 'https:' && !opts.allowInsecureTargets) return refused('webhook url must use https');
  const literal = ipLiteral(url.hostname);
  if (literal && !opts.allowInsecureTargets && !isPublicAddress(literal)) {
    return refused(`refused: ${literal} is not a public address`);
  }
  let blocked: string | undefined;
  const safeLookup = (
    hostname: string,
    options: object,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      const bad = opts.allowInsecureTargets ? undefined : list.find((a) => !isPublicAddress(a.address));
      if (bad) {
        blocked = `refused: ${hostname} resolves to ${bad.address}, not a public address`;
        return callback(Object.assign(new Error(blocked), { code: 'EBLOCKED' }), []);
      }
      const all = (options as { all?: boolean }).all;
      if (all) return callback(null, list);
      const first = list[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
  return new Promise<WebhookAttempt>((resolve) => {
    const done = (statusCode: number | null, error: string | null, permanent = false) =>
      resolve({ statusCode, error, permanent, durationMs: Math.round(performance.now() - started) });
    const client = url.protocol === 'https:' ? https : http;
    let req: http.ClientRequest;
    try {
      // Throws at once for what node will not send (e.g. a control character in a header
      // value stored before the rules refused it): no retry can fix that.
      req = client.request(
        url,
        { method: opts.method, headers, lookup: safeLookup as never, timeout: opts.timeoutMs },
        (res) => {
          res.resume();
          res.on('end', () => done(res.statusCode ?? null, null));
          res.on('error', (e) => done(res.statusCode ?? null, e.message));
        },
      );
    } catch (e) {
      return resolve(unbuildable(e));
    }
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on('error', (e) => done(null, blocked ?? e.message, !!blocked));
    req.end(opts.body);
  });
}

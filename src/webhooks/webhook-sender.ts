// Sends one webhook attempt: signed body, the target's own headers, and an address check
// done at connect time: an IP literal before connecting (node asks no lookup for one), a
// host name in the lookup hook (the resolved IPs are what is checked, so DNS cannot point a
// public name at a private address between check and use).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { signature, standardSignature } from './webhook-signing.js';
import { ipLiteral, isPublicAddress } from './webhook-targets.js';

export interface WebhookAttempt {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** A refusal that no retry can fix (blocked address, a request node will not build). */
  permanent: boolean;
}

/** The headers that identify and sign a delivery: a webhook's own headers may not set them. */
export const SIGNATURE_HEADERS = [
  'x-torale-signature',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
] as const;

/** Every header the gateway sets on a delivery (what a receiver checks). */
export const DELIVERY_HEADERS = [
  'user-agent',
  'content-type',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'x-torale-event',
  'x-torale-delivery',
  'x-torale-timestamp',
  'x-torale-signature',
] as const;

/** How much of a target's answer body is read before the attempt counts as answered. */
export const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * The one rule of success: a 2xx whose whole answer arrived within the deadline. A 2xx
 * whose body was cut off at the deadline is not a delivery (the target never finished).
 */
export const isDelivered = (a: WebhookAttempt): boolean =>
  a.error === null && a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300;

/** Why an attempt did not deliver, as logs and the API say it. */
export const failureOf = (a: WebhookAttempt): string => a.error ?? `HTTP ${a.statusCode}`;

const refused = (error: string): WebhookAttempt => ({ statusCode: null, error, durationMs: 0, permanent: true });
const unbuildable = (e: unknown) => refused(`the request could not be built: ${(e as Error).message}`);

export async function sendWebhook(opts: {
  url: string;
  method: 'POST' | 'PUT';
  headers: Record<string, string>;
  body: string;
  /** Every secret that signs (the current one first; during a rotation overlap, the previous too). */
  secrets: readonly string[];
  /** webhook-id: the same on every attempt of a delivery. */
  deliveryId: string;
  /** X-Torale-Delivery: the envelope's `id`, as Torale sends it (else the delivery's). */
  eventId?: string;
  /** X-Torale-Event: the envelope's `event_type`. */
  event: string;
  allowInsecureTargets: boolean;
  /** The attempt's deadline, from the request's start to its answer's last byte read. */
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
    'x-torale-delivery': opts.eventId ?? opts.deliveryId,
    'x-torale-timestamp': String(t),
    'webhook-id': opts.deliveryId,
    'webhook-timestamp': String(t),
    ...(opts.secrets.length > 0 && {
      'x-torale-signature': signature(opts.secrets, opts.body, t),
      'webhook-signature': standardSignature(opts.secrets, opts.deliveryId, t, opts.body),
    }),
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
    const client = url.protocol === 'https:' ? https : http;
    let req: http.ClientRequest;
    let statusCode: number | null = null;
    let settled = false;
    // Ends the attempt once: the first of answer read, error, or deadline. The socket is this
    // attempt's own (agent: false, nothing pooled), so it is destroyed whatever the outcome.
    const finish = (error: string | null, permanent = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      resolve({ statusCode, error, permanent, durationMs: Math.round(performance.now() - started) });
    };
    // One deadline for the whole attempt (lookup, connect, request, headers, body): an idle
    // timeout never trips on a target that sends a byte now and then.
    const deadline = setTimeout(
      () =>
        finish(
          statusCode === null
            ? `no answer within ${opts.timeoutMs} ms`
            : `the target did not finish its answer within ${opts.timeoutMs} ms`,
        ),
      opts.timeoutMs,
    );
    try {
      // Throws at once for what node will not send (e.g. a control character in a header
      // value stored before the rules refused it): no retry can fix that.
      req = client.request(url, { method: opts.method, headers, lookup: safeLookup as never, agent: false }, (res) => {
        statusCode = res.statusCode ?? null;
        // Only the status matters; the body is read (and dropped) up to a bound, never kept.
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read >= MAX_ANSWER_BYTES) finish(null);
        });
        res.on('end', () => finish(null));
        res.on('error', (e) => finish(e.message));
      });
    } catch (e) {
      clearTimeout(deadline);
      return resolve(unbuildable(e));
    }
    req.on('error', (e) => finish(blocked ?? e.message, !!blocked));
    req.end(opts.body);
  });
}

// How webhook bodies are signed: Torale's `X-Torale-Signature` and Standard Webhooks'
// `webhook-signature`, and the secrets both are keyed by.
import { createHmac, randomBytes } from 'node:crypto';

/** `whsec_` + standard base64 of 32 random bytes: what Standard Webhooks libraries take as it is. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** X-Torale-Signature: `t=<unix>,v1=<hex>` per secret, HMAC keyed by the whole secret string. */
export function signature(secrets: string | readonly string[], body: string, unixSeconds: number): string {
  const macs = [secrets].flat().map((s) => createHmac('sha256', s).update(`${unixSeconds}.${body}`).digest('hex'));
  return [`t=${unixSeconds}`, ...macs.map((m) => `v1=${m}`)].join(',');
}

/**
 * The Standard Webhooks key of a secret: the base64-decoded part after `whsec_` (node reads
 * standard and URL-safe base64 alike, so secrets made before the switch to standard base64
 * decode to their same bytes); a secret without the prefix is used as its UTF-8 bytes.
 */
export const signingKey = (secret: string): Buffer =>
  secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8');

/** webhook-signature: `v1,<base64>` per secret, space-separated, over `id.timestamp.body`. */
export function standardSignature(secrets: readonly string[], id: string, unixSeconds: number, body: string): string {
  return secrets
    .map((s) => `v1,${createHmac('sha256', signingKey(s)).update(`${id}.${unixSeconds}.${body}`).digest('base64')}`)
    .join(' ');
}

// API key formats. Native keys (the contract's): `sk_` + 32 base62 characters, the last 6 of
// which are a base62 CRC32 of the first 26. Keys imported from Torale: `sk_` + 43 URL-safe
// base64 characters (32 random bytes, unpadded), which carry no checksum. A mistyped or
// truncated key of either kind fails here, before any database or bcrypt work: a native key
// by its checksum; a Torale key by its length, its alphabet and its last character, which
// encodes only the 4 final bits of the 32 bytes (the 2 padding bits are always zero).
import { randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_RE = /^sk_[0-9A-Za-z]{32}$/;
const TORALE_KEY_RE = /^sk_[0-9A-Za-z_-]{42}[AEIMQUYcgkosw048]$/;
export const KEY_BODY_LENGTH = 26;
export const CHECKSUM_LENGTH = 6;
const NATIVE_KEY_LENGTH = 3 + KEY_BODY_LENGTH + CHECKSUM_LENGTH;
const TORALE_KEY_LENGTH = 3 + 43;
/** Characters of the key shown in `key_prefix` (before the trailing "..."), in both formats. */
export const PREFIX_LENGTH = 15;

export type ApiKeyFormat = 'native' | 'torale';

function base62(n: number, width: number): string {
  let out = '';
  let v = n;
  while (v > 0) {
    out = BASE62[v % 62] + out;
    v = Math.floor(v / 62);
  }
  return out.padStart(width, '0');
}

export function checksumOf(body: string): string {
  return base62(crc32(body), CHECKSUM_LENGTH);
}

export function generateApiKey(): string {
  let body = '';
  for (let i = 0; i < KEY_BODY_LENGTH; i++) body += BASE62[randomInt(62)];
  return `sk_${body}${checksumOf(body)}`;
}

/** Which format `key` is well formed in, or null (then no lookup is worth making). */
export function apiKeyFormat(key: string): ApiKeyFormat | null {
  // The native check comes first and costs what it did before Torale keys were accepted.
  if (key.length === NATIVE_KEY_LENGTH) {
    if (!KEY_RE.test(key)) return null;
    const body = key.slice(3, 3 + KEY_BODY_LENGTH);
    return key.slice(3 + KEY_BODY_LENGTH) === checksumOf(body) ? 'native' : null;
  }
  if (key.length === TORALE_KEY_LENGTH) return TORALE_KEY_RE.test(key) ? 'torale' : null;
  return null;
}

export function isWellFormedApiKey(key: string): boolean {
  return apiKeyFormat(key) !== null;
}

/** The display prefix stored in `api_keys.key_prefix`, e.g. `sk_abc123def456...`. */
export function displayPrefixOf(key: string): string {
  return `${key.slice(0, PREFIX_LENGTH)}...`;
}

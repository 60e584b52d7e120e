// The API key format of the contract: `sk_` + 32 base62 characters, the last 6 of which
// are a base62 CRC32 of the first 26. A mistyped or truncated key fails here, before any
// database or bcrypt work.
import { randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_RE = /^sk_[0-9A-Za-z]{32}$/;
export const KEY_BODY_LENGTH = 26;
export const CHECKSUM_LENGTH = 6;
/** Characters of the key shown in `key_prefix` (before the trailing "..."). */
export const PREFIX_LENGTH = 15;

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

export function isWellFormedApiKey(key: string): boolean {
  if (key.length !== 35 || !KEY_RE.test(key)) return false;
  const body = key.slice(3, 3 + KEY_BODY_LENGTH);
  return key.slice(3 + KEY_BODY_LENGTH) === checksumOf(body);
}

/** The display prefix stored in `api_keys.key_prefix`, e.g. `sk_abc123def456...`. */
export function displayPrefixOf(key: string): string {
  return `${key.slice(0, PREFIX_LENGTH)}...`;
}

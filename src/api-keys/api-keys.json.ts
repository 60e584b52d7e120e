// The REST JSON of api keys (CONTRACT.md field names, ISO 8601 UTC times).
import type { ApiKeyRow } from '../db/types.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Usable now: not revoked and not past its expiry (or its rotation's grace). */
export const isUsable = (k: ApiKeyRow, now = Date.now()) =>
  k.is_active && (k.expires_at === null || k.expires_at.getTime() > now);

/** When it was revoked; null for a key that only expired (retired at its expiry). */
export const revokedAtOf = (k: ApiKeyRow) =>
  k.revoked_at && (k.expires_at === null || k.revoked_at < k.expires_at) ? k.revoked_at : null;

export const toApiKeyJson = (k: ApiKeyRow) => ({
  id: k.id,
  user_id: k.user_id,
  key_prefix: k.key_prefix,
  name: k.name,
  created_at: k.created_at.toISOString(),
  last_used_at: iso(k.last_used_at),
  is_active: isUsable(k),
  expires_at: iso(k.expires_at),
  scopes: k.scopes,
  revoked_at: iso(revokedAtOf(k)),
  replaced_by_key_id: k.replaced_by_key_id,
});

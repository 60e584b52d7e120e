// The REST JSON of api keys (CONTRACT.md field names, ISO 8601 UTC times).
import type { ApiKeyRow } from '../db/types.js';

export const toApiKeyJson = (k: ApiKeyRow) => ({
  id: k.id,
  user_id: k.user_id,
  key_prefix: k.key_prefix,
  name: k.name,
  created_at: k.created_at.toISOString(),
  last_used_at: k.last_used_at ? k.last_used_at.toISOString() : null,
  is_active: k.is_active,
});

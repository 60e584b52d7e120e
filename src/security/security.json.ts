// The REST JSON of a security event (CONTRACT.md "Key lifecycle").
import type { SecurityEventRow } from '../db/types.js';

export const toSecurityEventJson = (e: SecurityEventRow) => ({
  id: e.id,
  type: e.type,
  created_at: e.created_at.toISOString(),
  ip: e.ip,
  user_agent: e.user_agent,
  api_key_id: e.api_key_id,
  key_prefix: e.key_prefix,
  detail: e.detail,
});

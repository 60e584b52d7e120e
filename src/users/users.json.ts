// The REST JSON of users (CONTRACT.md field names, ISO 8601 UTC times).
import type { UserRow } from '../db/types.js';

export const toUserJson = (u: UserRow) => ({
  id: u.id,
  clerk_user_id: u.clerk_user_id,
  email: u.email,
  first_name: u.first_name,
  username: u.username,
  is_active: u.is_active,
  has_seen_welcome: u.has_seen_welcome,
  created_at: u.created_at.toISOString(),
});

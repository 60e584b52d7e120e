// Response shapes of /auth user endpoints (these take no input besides credentials).
import { Type } from '@sinclair/typebox';
import { DateTime, NullableString } from '../http/schemas.js';

export const UserSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  clerk_user_id: Type.String(),
  email: NullableString,
  first_name: NullableString,
  username: NullableString,
  is_active: Type.Boolean(),
  has_seen_welcome: Type.Boolean(),
  created_at: DateTime,
});

export const SyncUserResultSchema = Type.Object({ user: UserSchema, created: Type.Boolean() });
export const StatusSchema = Type.Object({ status: Type.String() });

/** Torale's `GET /public/stats` (its landing page's beta capacity). */
export const PublicStatsSchema = Type.Object({
  capacity: Type.Object({
    max_users: Type.Integer(),
    current_users: Type.Integer(),
    available_slots: Type.Integer({ description: 'max_users − current_users, at least 0' }),
  }),
});

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

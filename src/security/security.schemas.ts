// Query and response of GET /auth/security-log (REST, OpenAPI).
import { Type } from '@sinclair/typebox';
import { DateTime, NullableString } from '../http/schemas.js';

export const SecurityLogQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
});

export const SecurityEventSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  type: Type.String(),
  created_at: DateTime,
  ip: NullableString,
  user_agent: NullableString,
  api_key_id: NullableString,
  key_prefix: NullableString,
  detail: NullableString,
});

export const SecurityLogSchema = Type.Object({ events: Type.Array(SecurityEventSchema), next_cursor: NullableString });

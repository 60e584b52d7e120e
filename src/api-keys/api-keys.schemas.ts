// Inputs and responses of /auth/api-keys, once for REST, OpenAPI and GraphQL.
import { type Static, Type } from '@sinclair/typebox';
import { DateTime, NullableDateTime, Text } from '../http/schemas.js';

export const API_KEY_LIMITS = { nameLength: 100 } as const;

export const CreateApiKeyBody = Type.Object({ name: Text(API_KEY_LIMITS.nameLength) }, { additionalProperties: false });
export type CreateApiKeyBody = Static<typeof CreateApiKeyBody>;

export const ApiKeySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  user_id: Type.String({ format: 'uuid' }),
  key_prefix: Type.String(),
  name: Type.String(),
  created_at: DateTime,
  last_used_at: NullableDateTime,
  is_active: Type.Boolean(),
});

export const CreatedApiKeySchema = Type.Object({ key: Type.String(), key_info: ApiKeySchema });

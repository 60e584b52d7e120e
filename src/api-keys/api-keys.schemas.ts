// Inputs and responses of /auth/api-keys, once for REST, OpenAPI and GraphQL.
import { type Static, Type } from '@sinclair/typebox';
import { SCOPES } from '../auth/viewer.js';
import { DateTime, NullableDateTime, NullableString, StringEnum, Text } from '../http/schemas.js';

export const API_KEY_LIMITS = {
  nameLength: 100,
  maxExpiresInDays: 366,
  maxGraceSeconds: 604_800,
  defaultGraceSeconds: 86_400,
} as const;

export const CreateApiKeyBody = Type.Object(
  {
    name: Text(API_KEY_LIMITS.nameLength),
    expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: API_KEY_LIMITS.maxExpiresInDays })),
    scopes: Type.Optional(Type.Array(StringEnum(SCOPES), { minItems: 1, maxItems: SCOPES.length, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type CreateApiKeyBody = Static<typeof CreateApiKeyBody>;

export const RotateApiKeyBody = Type.Object(
  {
    grace_period_seconds: Type.Integer({
      minimum: 0,
      maximum: API_KEY_LIMITS.maxGraceSeconds,
      default: API_KEY_LIMITS.defaultGraceSeconds,
    }),
  },
  { additionalProperties: false },
);
export type RotateApiKeyBody = Static<typeof RotateApiKeyBody>;

/** REST: the body is optional (no body = the default grace period). */
export const RotateApiKeyRestBody = Type.Unsafe<{ grace_period_seconds?: number } | null>({
  type: ['object', 'null'],
  properties: { grace_period_seconds: RotateApiKeyBody.properties.grace_period_seconds },
  additionalProperties: false,
});

export const ApiKeySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  user_id: Type.String({ format: 'uuid' }),
  key_prefix: Type.String(),
  name: Type.String(),
  created_at: DateTime,
  last_used_at: NullableDateTime,
  is_active: Type.Boolean(),
  expires_at: NullableDateTime,
  scopes: Type.Array(Type.String()),
  revoked_at: NullableDateTime,
  replaced_by_key_id: NullableString,
});

export const CreatedApiKeySchema = Type.Object({ key: Type.String(), key_info: ApiKeySchema });

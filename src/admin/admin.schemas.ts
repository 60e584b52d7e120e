// The admin console's inputs and answers, in Torale's shapes (its admin pages parse them).
// Shared by REST, OpenAPI and GraphQL.
import { Type } from '@sinclair/typebox';
import { AnyJson, DateTime, NullableString, StringEnum } from '../http/schemas.js';

/** Torale answers every user at once; here a page of them, newest first. */
export const ADMIN_USERS_LIMITS = { default: 100, max: 500, maxOffset: 1_000_000 } as const;
export const AUDIT_LOG_LIMITS = { default: 50, max: 200 } as const;

export const AdminUsersQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: ADMIN_USERS_LIMITS.max, default: ADMIN_USERS_LIMITS.default }),
  offset: Type.Integer({ minimum: 0, maximum: ADMIN_USERS_LIMITS.maxOffset, default: 0 }),
});

export const AdminUserSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: NullableString,
  clerk_user_id: Type.String(),
  is_active: Type.Boolean(),
  created_at: DateTime,
  task_count: Type.Integer(),
  total_executions: Type.Integer(),
  notifications_count: Type.Integer(),
  role: NullableString,
});

export const AdminUsersSchema = Type.Object({
  users: Type.Array(AdminUserSchema),
  capacity: Type.Object({ used: Type.Integer(), total: Type.Integer(), available: Type.Integer() }),
  warnings: Type.Optional(Type.Array(Type.String())),
});

export const AuditLogQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: AUDIT_LOG_LIMITS.max, default: AUDIT_LOG_LIMITS.default }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
});

export const AuditEntrySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  admin_user_id: Type.String({ format: 'uuid' }),
  action: Type.String(),
  target_user_id: NullableString,
  target_task_id: NullableString,
  details: AnyJson,
  created_at: DateTime,
});

export const AuditLogSchema = Type.Object({ entries: Type.Array(AuditEntrySchema), next_cursor: NullableString });

/** Torale's roles (admin.py): what an admin may give; null removes the role. */
export const ROLES = ['admin', 'developer'] as const;
export const BULK_ROLE_MAX = 100;

export const UserIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

const RoleSchema = Type.Union([StringEnum(ROLES), Type.Null()], {
  description: "'admin', 'developer', or null to remove the role",
});

export const SetRoleBody = Type.Object({ role: RoleSchema }, { additionalProperties: false });
export const SetRolesBody = Type.Object(
  {
    user_ids: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: BULK_ROLE_MAX }),
    role: RoleSchema,
  },
  { additionalProperties: false },
);

export const RoleUpdatedSchema = Type.Object({
  status: Type.Literal('updated'),
  user_id: Type.String({ format: 'uuid' }),
  role: NullableString,
});

export const RolesUpdatedSchema = Type.Object({
  updated: Type.Integer(),
  failed: Type.Integer(),
  errors: Type.Array(Type.Object({ user_id: Type.String(), error: Type.String() })),
});

export const DeactivatedSchema = Type.Object({
  status: Type.Literal('deactivated'),
  user_id: Type.String({ format: 'uuid' }),
  tasks_paused: Type.Integer({
    description:
      'Active tasks that stop running while the account is disabled (kept as they are; reactivation resumes them)',
  }),
  tasks_failed: Type.Null(),
});

export const ReactivatedSchema = Type.Object({
  status: Type.Literal('reactivated'),
  user_id: Type.String({ format: 'uuid' }),
});

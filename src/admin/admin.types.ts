// GraphQL types of the admin console: `admin { users auditLog }` and what they answer.
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { AdminAuditRow } from '../db/types.js';
import { ListSize } from '../graphql/directives.js';
import { PageInfoType } from '../graphql/relay.js';
import { BULK_ROLE_MAX, ROLES } from './admin.schemas.js';
import type { AdminUser } from './admin.service.js';

/** What `admin` answers: its fields are the admin console's reads (the root field checked the caller). */
@ObjectType('AdminQuery', { description: "The admin console's reads (admins only)." })
export class AdminQueryType {}

@ObjectType('AdminUser')
export class AdminUserType {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true }) email!: string | null;
  @Field(() => String) clerkUserId!: string;
  @Field(() => Boolean) isActive!: boolean;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => Int) taskCount!: number;
  @Field(() => Int) totalExecutions!: number;
  @Field(() => Int) notificationsCount!: number;
  @Field(() => String, { nullable: true, description: 'Clerk public_metadata.role; null when none (or Clerk failed).' })
  role!: string | null;
}

@ObjectType('AdminCapacity')
export class AdminCapacityType {
  @Field(() => Int) used!: number;
  @Field(() => Int) total!: number;
  @Field(() => Int) available!: number;
}

@ObjectType('AdminUserList')
export class AdminUserListType {
  @Field(() => [AdminUserType]) users!: AdminUserType[];
  @Field(() => AdminCapacityType) capacity!: AdminCapacityType;
  @Field(() => [String]) warnings!: string[];
}

@ObjectType('AdminAuditEntry')
export class AdminAuditEntryType {
  @Field(() => ID) id!: string;
  @Field(() => ID) adminUserId!: string;
  @Field(() => String) action!: string;
  @Field(() => ID, { nullable: true }) targetUserId!: string | null;
  @Field(() => ID, { nullable: true }) targetTaskId!: string | null;
  @Field(() => GraphQLJSONObject) details!: Record<string, unknown>;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
}

@ObjectType('AdminAuditEntryEdge')
export class AdminAuditEntryEdgeType {
  @Field(() => String) cursor!: string;
  @Field(() => AdminAuditEntryType) node!: AdminAuditEntryType;
}

@ObjectType('AdminAuditEntryConnection')
export class AdminAuditEntryConnectionType {
  @Field(() => [AdminAuditEntryEdgeType]) edges!: AdminAuditEntryEdgeType[];
  @Field(() => PageInfoType) pageInfo!: PageInfoType;
}

export const toAdminUserType = (u: AdminUser): AdminUserType => ({
  id: u.id,
  email: u.email,
  clerkUserId: u.clerk_user_id,
  isActive: u.is_active,
  createdAt: u.created_at,
  taskCount: u.task_count,
  totalExecutions: u.total_executions,
  notificationsCount: u.notifications_count,
  role: u.role,
});

export const toAdminAuditEntryType = (e: AdminAuditRow): AdminAuditEntryType => ({
  id: e.id,
  adminUserId: e.admin_user_id,
  action: e.action,
  targetUserId: e.target_user_id,
  targetTaskId: e.target_task_id,
  details: e.details,
  createdAt: e.created_at,
});

/** Torale's roles under GraphQL's upper-case names ({ ADMIN: 'admin', DEVELOPER: 'developer' }). */
export const UserRoleEnum = Object.fromEntries(ROLES.map((r) => [r.toUpperCase(), r])) as Record<
  Uppercase<(typeof ROLES)[number]>,
  (typeof ROLES)[number]
>;
registerEnumType(UserRoleEnum, { name: 'UserRole', description: 'What an admin may give; null removes the role.' });

@ObjectType('RoleUpdated')
export class RoleUpdatedType {
  @Field(() => ID) userId!: string;
  @Field(() => UserRoleEnum, { nullable: true }) role!: string | null;
}

@ObjectType('RoleUpdateError')
export class RoleUpdateErrorType {
  @Field(() => String) userId!: string;
  @Field(() => String) error!: string;
}

@ObjectType('RolesUpdated')
export class RolesUpdatedType {
  @Field(() => Int) updated!: number;
  @Field(() => Int) failed!: number;
  @ListSize({ assumedSize: BULK_ROLE_MAX })
  @Field(() => [RoleUpdateErrorType])
  errors!: RoleUpdateErrorType[];
}

@ObjectType('UserDeactivated')
export class UserDeactivatedType {
  @Field(() => ID) userId!: string;
  @Field(() => Int, { description: 'Active tasks that stop running while the account is disabled.' })
  tasksPaused!: number;
}

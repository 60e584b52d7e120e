// GraphQL over the admin console: `admin { users auditLog }`. The root field is declared
// admin-only (@Access.admin) and runs the same guard as REST; its fields run the same
// service methods as the /admin/* routes.
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Errors } from '../errors.js';
import { Access } from '../graphql/access.js';
import { argumentRule } from '../graphql/arguments.js';
import type { GraphQLContext } from '../graphql/context.js';
import { ListSize } from '../graphql/directives.js';
import { AdminUsersQuery, AuditLogQuery, BULK_ROLE_MAX } from './admin.schemas.js';
import type { AdminService } from './admin.service.js';
import {
  AdminAuditEntryConnectionType,
  AdminQueryType,
  AdminUserListType,
  RolesUpdatedType,
  RoleUpdatedType,
  toAdminAuditEntryType,
  toAdminUserType,
  UserDeactivatedType,
  UserRoleEnum,
} from './admin.types.js';

const defined = (a: Record<string, unknown>) => Object.fromEntries(Object.entries(a).filter(([, v]) => v != null));
const usersArgs = argumentRule(AdminUsersQuery, 'query', defined);
const auditArgs = argumentRule(AuditLogQuery, 'query', (a: { first?: number | null; after?: string | null }) =>
  defined({ limit: a.first, cursor: a.after }),
);

@Resolver(() => AdminQueryType)
export class AdminResolver {
  constructor(private readonly services: { admin: AdminService }) {}

  @Access.admin()
  @Query(() => AdminQueryType, { description: 'The admin console (a Clerk session of an admin; 403 otherwise).' })
  async admin(@Ctx() ctx: GraphQLContext): Promise<AdminQueryType> {
    await this.services.admin.requireAdmin(ctx.viewer);
    return new AdminQueryType();
  }

  @FieldResolver(() => AdminUserListType, { description: 'Users newest first, with counts and Clerk roles.' })
  @ListSize({ slicingArguments: ['limit'], sizedFields: ['users'], requireOneSlicingArgument: false })
  @usersArgs.decorator
  async users(
    @Arg('limit', () => Int, { nullable: true }) limit: number | null,
    @Arg('offset', () => Int, { nullable: true }) offset: number | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AdminUserListType> {
    const q = usersArgs.parse({ limit, offset });
    const { users, capacity, warnings } = await this.services.admin.users(ctx.viewer, q);
    return { users: users.map(toAdminUserType), capacity, warnings };
  }

  @FieldResolver(() => AdminAuditEntryConnectionType, { description: 'What admins did, newest first.' })
  @ListSize({ slicingArguments: ['first'], sizedFields: ['edges'], requireOneSlicingArgument: false })
  @auditArgs.decorator
  async auditLog(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AdminAuditEntryConnectionType> {
    const q = auditArgs.parse({ first, after });
    const { entries, nextCursor } = await this.services.admin.auditLog(ctx.viewer, q);
    const edges = entries.map((e) => ({
      cursor: this.services.admin.auditCursorOf(e),
      node: toAdminAuditEntryType(e),
    }));
    return { edges, pageInfo: { hasNextPage: nextCursor !== null, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  @Access.admin()
  @Mutation(() => RoleUpdatedType, {
    description: "Sets a user's role in Clerk (not your own); every instance sees it at once.",
  })
  async setUserRole(
    @Arg('userId', () => ID) userId: string,
    @Arg('role', () => UserRoleEnum, { nullable: true }) role: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RoleUpdatedType> {
    const r = await this.services.admin.setRole(ctx.viewer, userId, role ?? null);
    return { userId: r.user_id, role: r.role };
  }

  @Access.admin()
  @Mutation(() => RolesUpdatedType, {
    description: 'Sets the role of up to 100 users; errors lists those not changed.',
  })
  async setUserRoles(
    @Arg('userIds', () => [ID]) userIds: string[],
    @Arg('role', () => UserRoleEnum, { nullable: true }) role: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RolesUpdatedType> {
    await this.services.admin.requireAdmin(ctx.viewer);
    if (userIds.length < 1 || userIds.length > BULK_ROLE_MAX) {
      throw Errors.validation([
        { type: 'value_error', loc: ['body', 'userIds'], msg: `between 1 and ${BULK_ROLE_MAX} ids` },
      ]);
    }
    const r = await this.services.admin.setRoles(ctx.viewer, userIds, role ?? null);
    return { ...r, errors: r.errors.map((e) => ({ userId: e.user_id, error: e.error })) };
  }

  @Access.admin()
  @Mutation(() => UserDeactivatedType, {
    description: 'Disables an account (not your own): keys, sessions and runs stop.',
  })
  async deactivateUser(
    @Arg('userId', () => ID) userId: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<UserDeactivatedType> {
    const r = await this.services.admin.deactivate(ctx.viewer, userId);
    return { userId: r.user_id, tasksPaused: r.tasks_paused };
  }

  @Access.admin()
  @Mutation(() => ID, { description: 'Enables a disabled account again; answers its id.' })
  async reactivateUser(@Arg('userId', () => ID) userId: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    return (await this.services.admin.reactivate(ctx.viewer, userId)).user_id;
  }
}

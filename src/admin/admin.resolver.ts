// GraphQL over the admin console: `admin { users auditLog }`. The root field is declared
// admin-only (@Access.admin) and runs the same guard as REST; its fields run the same
// service methods as the /admin/* routes.
import { Arg, Ctx, FieldResolver, Int, Query, Resolver } from 'type-graphql';
import { Access } from '../graphql/access.js';
import { argumentRule } from '../graphql/arguments.js';
import type { GraphQLContext } from '../graphql/context.js';
import { ListSize } from '../graphql/directives.js';
import { AdminUsersQuery, AuditLogQuery } from './admin.schemas.js';
import type { AdminService } from './admin.service.js';
import {
  AdminAuditEntryConnectionType,
  AdminQueryType,
  AdminUserListType,
  toAdminAuditEntryType,
  toAdminUserType,
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
}

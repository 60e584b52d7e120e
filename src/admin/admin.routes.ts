// REST shim for Torale's admin console (/admin/*). Every route here is admin-only: the hook
// refuses anyone else (401 / 403 "Admin access required") before the input is even read, and
// the service methods check again (GraphQL calls them too).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authErrors, DetailSchema, ValidationErrorSchema } from '../http/schemas.js';
import { toAdminUserJson, toAuditEntryJson } from './admin.json.js';
import { AdminUsersQuery, AdminUsersSchema, AuditLogQuery, AuditLogSchema } from './admin.schemas.js';
import type { AdminService } from './admin.service.js';

export const adminRoutes: FastifyPluginAsyncTypebox<{ admin: AdminService }> = async (app, { admin }) => {
  app.addHook('preValidation', async (req) => {
    await admin.requireAdmin(req.viewer);
  });

  app.get(
    '/admin/users',
    {
      schema: {
        tags: ['admin'],
        summary: 'Users with their task and execution counts and Clerk roles, newest first (admins only)',
        description:
          'A page of `limit` users from `offset`; `capacity` counts active users against MAX_USERS. Roles come from Clerk in one call per page; when Clerk fails they are null and `warnings` says so.',
        querystring: AdminUsersQuery,
        response: { 200: AdminUsersSchema, 404: DetailSchema, 422: ValidationErrorSchema, ...authErrors },
      },
    },
    async (req) => {
      const { users, capacity, warnings } = await admin.users(req.viewer, req.query);
      return { users: users.map(toAdminUserJson), capacity, ...(warnings.length > 0 && { warnings }) };
    },
  );

  app.get(
    '/admin/audit-log',
    {
      schema: {
        tags: ['admin'],
        summary: 'What admins did (who, what, to whom, when), newest first (admins only)',
        querystring: AuditLogQuery,
        response: {
          200: AuditLogSchema,
          400: DetailSchema,
          404: DetailSchema,
          422: ValidationErrorSchema,
          ...authErrors,
        },
      },
    },
    async (req) => {
      const { entries, nextCursor } = await admin.auditLog(req.viewer, req.query);
      return { entries: entries.map(toAuditEntryJson), next_cursor: nextCursor };
    },
  );
};

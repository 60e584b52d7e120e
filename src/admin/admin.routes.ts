// REST shim for Torale's admin console (/admin/*). Every route here is admin-only: the hook
// refuses anyone else (401 / 403 "Admin access required") before the input is even read, and
// the service methods check again (GraphQL calls them too).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authErrors, DetailSchema, ValidationErrorSchema } from '../http/schemas.js';
import { toAdminUserJson, toAuditEntryJson } from './admin.json.js';
import {
  AdminUsersQuery,
  AdminUsersSchema,
  AuditLogQuery,
  AuditLogSchema,
  DeactivatedSchema,
  ReactivatedSchema,
  RolesUpdatedSchema,
  RoleUpdatedSchema,
  SetRoleBody,
  SetRolesBody,
  UserIdParams,
} from './admin.schemas.js';
import type { AdminService } from './admin.service.js';

// Hidden from /openapi.json like every admin route (as Torale hides its admin router); docs/api.md lists them.
export const adminRoutes: FastifyPluginAsyncTypebox<{ admin: AdminService }> = async (app, { admin }) => {
  app.addHook('preValidation', async (req) => {
    await admin.requireAdmin(req.viewer);
  });

  app.get(
    '/admin/users',
    {
      schema: {
        hide: true,
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
        hide: true,
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

  const errors = { 400: DetailSchema, 404: DetailSchema, 422: ValidationErrorSchema, ...authErrors };

  app.patch(
    '/admin/users/:id/role',
    {
      schema: {
        hide: true,
        tags: ['admin'],
        summary: "Set a user's role in Clerk (admins only); every instance sees it at once",
        description: 'Not your own role (400). 404 when the user is unknown here or in Clerk.',
        params: UserIdParams,
        body: SetRoleBody,
        response: { 200: RoleUpdatedSchema, ...errors },
      },
    },
    async (req) => admin.setRole(req.viewer, req.params.id, req.body.role),
  );

  app.patch(
    '/admin/users/roles',
    {
      schema: {
        hide: true,
        tags: ['admin'],
        summary: 'Set the role of up to 100 users (admins only)',
        description: 'Each user apart: `errors` lists those not changed (unknown, yourself, Clerk refused).',
        body: SetRolesBody,
        response: { 200: RolesUpdatedSchema, ...errors },
      },
    },
    async (req) => admin.setRoles(req.viewer, req.body.user_ids, req.body.role),
  );

  app.patch(
    '/admin/users/:id/deactivate',
    {
      schema: {
        hide: true,
        tags: ['admin'],
        summary: 'Disable an account (admins only): its keys, sessions and runs stop on every instance',
        description:
          'Not your own (400). A Clerk unban or update does not enable the account again; only reactivate does.',
        params: UserIdParams,
        response: { 200: DeactivatedSchema, ...errors },
      },
    },
    async (req) => admin.deactivate(req.viewer, req.params.id),
  );

  app.patch(
    '/admin/users/:id/reactivate',
    {
      schema: {
        hide: true,
        tags: ['admin'],
        summary: 'Enable a disabled account again (admins only)',
        description: '400 for a user deleted in Clerk.',
        params: UserIdParams,
        response: { 200: ReactivatedSchema, ...errors },
      },
    },
    async (req) => admin.reactivate(req.viewer, req.params.id),
  );
};

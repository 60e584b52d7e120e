// REST shim for /auth user endpoints (CONTRACT.md); rules live in users.service.
import type { FastifyPluginAsync } from 'fastify';
import { authErrors, dateTime, detailSchema, nullableString } from '../http/schemas.js';
import type { Services } from '../services.js';
import { toUserJson } from './users.types.js';

export const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    clerk_user_id: { type: 'string' },
    email: nullableString,
    first_name: nullableString,
    username: nullableString,
    is_active: { type: 'boolean' },
    has_seen_welcome: { type: 'boolean' },
    created_at: dateTime,
  },
  required: ['id', 'clerk_user_id', 'email', 'first_name', 'username', 'is_active', 'has_seen_welcome', 'created_at'],
} as const;

export const usersRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/auth/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'Get current user',
        response: { 200: userSchema, 404: detailSchema, ...authErrors },
      },
    },
    async (req) => toUserJson(services.users.me(req.viewer)),
  );

  app.post(
    '/auth/sync-user',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create or update the user from the Clerk identity',
        response: {
          200: {
            type: 'object',
            properties: { user: userSchema, created: { type: 'boolean' } },
            required: ['user', 'created'],
          },
          ...authErrors,
        },
      },
    },
    async (req) => {
      const { user, created } = await services.users.sync(req.viewer);
      return { user: toUserJson(user), created };
    },
  );

  app.post(
    '/auth/mark-welcome-seen',
    {
      schema: {
        tags: ['auth'],
        summary: 'Mark that the user has completed the welcome flow',
        response: {
          200: { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] },
          404: detailSchema,
          ...authErrors,
        },
      },
    },
    async (req) => {
      await services.users.markWelcomeSeen(req.viewer);
      return { status: 'success' };
    },
  );
};

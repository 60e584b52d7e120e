// REST shim for /auth user endpoints (CONTRACT.md); rules live in users.service.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authErrors, DetailSchema } from '../http/schemas.js';
import { toUserJson } from './users.json.js';
import { PublicStatsSchema, StatusSchema, SyncUserResultSchema, UserSchema } from './users.schemas.js';
import type { UsersService } from './users.service.js';

export const usersRoutes: FastifyPluginAsyncTypebox<{ users: UsersService }> = async (app, { users }) => {
  app.get(
    '/auth/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'Get current user',
        response: { 200: UserSchema, 404: DetailSchema, ...authErrors },
      },
    },
    async (req) => toUserJson(users.me(req.viewer)),
  );

  app.post(
    '/auth/sync-user',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create or update the user from the Clerk identity',
        response: { 200: SyncUserResultSchema, ...authErrors },
      },
    },
    async (req) => {
      const { user, created } = await users.sync(req.viewer);
      return { user: toUserJson(user), created };
    },
  );

  app.get(
    '/public/stats',
    {
      schema: {
        tags: ['public'],
        summary: "Torale's landing-page numbers: the beta's capacity (MAX_USERS) and active users",
        security: [],
        response: { 200: PublicStatsSchema },
      },
    },
    async () => users.publicStats(),
  );

  app.post(
    '/auth/mark-welcome-seen',
    {
      schema: {
        tags: ['auth'],
        summary: 'Mark that the user has completed the welcome flow',
        response: { 200: StatusSchema, 404: DetailSchema, ...authErrors },
      },
    },
    async (req) => {
      await users.markWelcomeSeen(req.viewer);
      return { status: 'success' };
    },
  );
};

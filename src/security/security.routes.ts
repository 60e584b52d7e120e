// REST shim for the security log; rules live in security-events.service.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authErrors, DetailSchema, ValidationErrorSchema } from '../http/schemas.js';
import { toSecurityEventJson } from './security.json.js';
import { SecurityLogQuery, SecurityLogSchema } from './security.schemas.js';
import type { SecurityEventsService } from './security-events.service.js';

export const securityRoutes: FastifyPluginAsyncTypebox<{ securityEvents: SecurityEventsService }> = async (
  app,
  { securityEvents },
) => {
  app.get(
    '/auth/security-log',
    {
      schema: {
        tags: ['security'],
        summary: 'What happened to your account and keys, newest first',
        querystring: SecurityLogQuery,
        response: {
          200: SecurityLogSchema,
          400: DetailSchema,
          404: DetailSchema,
          422: ValidationErrorSchema,
          ...authErrors,
        },
      },
    },
    async (req) => {
      const { events, nextCursor } = await securityEvents.page(req.viewer, req.query);
      return { events: events.map(toSecurityEventJson), next_cursor: nextCursor };
    },
  );
};

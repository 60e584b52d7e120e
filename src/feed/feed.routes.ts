// REST shims for the dashboard's feeds. `/api/v1/tasks/feed` is a static path, so the
// router matches it before `/api/v1/tasks/:id`.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { authErrors, DetailSchema, ValidationErrorSchema } from '../http/schemas.js';
import { toFeedJson } from './feed.json.js';
import { FeedExecutionSchema, FeedQuery } from './feed.schemas.js';
import type { FeedService } from './feed.service.js';

export const feedRoutes: FastifyPluginAsyncTypebox<{ feed: FeedService }> = async (app, { feed }) => {
  app.get(
    '/api/v1/tasks/feed',
    {
      schema: {
        tags: ['feed'],
        summary: 'Your recent successful runs that produced a notification, newest first',
        querystring: FeedQuery,
        response: {
          200: Type.Array(FeedExecutionSchema),
          404: DetailSchema,
          422: ValidationErrorSchema,
          ...authErrors,
        },
      },
    },
    async (req) => (await feed.own(req.viewer, req.query.limit)).map(toFeedJson),
  );

  app.get(
    '/api/v1/public/feed',
    {
      schema: {
        tags: ['feed', 'public'],
        summary: 'Recent runs of public tasks that produced a notification, as anyone may see them',
        description:
          "No credentials needed. A public task's findings are public (notification, result, sources); error details are not.",
        security: [],
        querystring: FeedQuery,
        response: { 200: Type.Array(FeedExecutionSchema), 422: ValidationErrorSchema },
      },
    },
    async (req) => (await feed.public(req.query.limit)).map(toFeedJson),
  );
};

// REST shims for the dashboard's feeds. `/api/v1/tasks/feed` is a static path, so the
// router matches it before `/api/v1/tasks/:id`.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { authErrors, DetailSchema, ValidationErrorSchema } from '../http/schemas.js';
import { toFeedJson, toPublicFeedJson } from './feed.json.js';
import { FeedExecutionSchema, FeedQuery, PublicFeedExecutionSchema } from './feed.schemas.js';
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
          'No credentials needed. Each run is its public view: no notification text, no error, and of the result only `evidence`, `sources`, `confidence`, `topic` and `next_run`.',
        security: [],
        querystring: FeedQuery,
        response: { 200: Type.Array(PublicFeedExecutionSchema), 422: ValidationErrorSchema },
      },
    },
    async (req) => (await feed.public(req.query.limit)).map(toPublicFeedJson),
  );
};

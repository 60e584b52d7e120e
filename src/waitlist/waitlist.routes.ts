// REST shim for Torale's waitlist: the landing page's public sign-up.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DetailSchema, ValidationErrorSchema } from '../http/schemas.js';
import { JoinedSchema, JoinWaitlistBody } from './waitlist.schemas.js';
import { JOINED_MESSAGE, type WaitlistService } from './waitlist.service.js';

export const waitlistRoutes: FastifyPluginAsyncTypebox<{ waitlist: WaitlistService }> = async (app, { waitlist }) => {
  app.post(
    '/public/waitlist',
    {
      schema: {
        tags: ['public'],
        summary: 'Join the waitlist (no credentials needed)',
        description:
          'One entry per address, in any case (400 when it is already there); `position` is its place among pending entries. A few sign-ups a minute per client address (WAITLIST_JOINS_PER_MINUTE), then 429.',
        security: [],
        body: JoinWaitlistBody,
        response: { 200: JoinedSchema, 400: DetailSchema, 422: ValidationErrorSchema, 429: DetailSchema },
      },
    },
    async (req) => {
      const { position } = await waitlist.join(req.body.email, req.ip);
      return { message: JOINED_MESSAGE, position };
    },
  );
};

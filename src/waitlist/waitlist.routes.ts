// REST shim for Torale's waitlist: the landing page's public sign-up and the admin console's
// list (admins only; kept out of the OpenAPI document, as Torale keeps /admin out of its own).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AdminGate } from '../admin/admin-gate.js';
import { authErrors, DetailSchema, IdParams, ValidationErrorSchema } from '../http/schemas.js';
import { toWaitlistJson } from './waitlist.json.js';
import {
  DeletedSchema,
  JoinedSchema,
  JoinWaitlistBody,
  UpdateWaitlistBody,
  WaitlistEntrySchema,
  WaitlistQuery,
  WaitlistStatsSchema,
} from './waitlist.schemas.js';
import { JOINED_MESSAGE, type WaitlistService } from './waitlist.service.js';

const adminErrors = { 400: DetailSchema, 404: DetailSchema, 422: ValidationErrorSchema, ...authErrors };

export const waitlistRoutes: FastifyPluginAsyncTypebox<{
  waitlist: WaitlistService;
  admin: Pick<AdminGate, 'requireAdmin'>;
}> = async (app, { waitlist, admin }) => {
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

  await app.register(adminWaitlistRoutes, { waitlist, admin });
};

/** The admin console's waitlist: anyone but an admin is refused before the input is read. */
const adminWaitlistRoutes: FastifyPluginAsyncTypebox<{
  waitlist: WaitlistService;
  admin: Pick<AdminGate, 'requireAdmin'>;
}> = async (app, { waitlist, admin }) => {
  app.addHook('preValidation', async (req) => {
    await admin.requireAdmin(req.viewer);
  });

  app.get(
    '/admin/waitlist',
    {
      schema: {
        hide: true,
        tags: ['admin'],
        summary: 'Waitlist entries in sign-up order, optionally of one status (a page: limit, offset)',
        querystring: WaitlistQuery,
        response: { 200: Type.Array(WaitlistEntrySchema), ...adminErrors },
      },
    },
    async (req) =>
      (
        await waitlist.list(req.viewer, {
          status: req.query.status_filter,
          limit: req.query.limit,
          offset: req.query.offset,
        })
      ).map(toWaitlistJson),
  );

  app.get(
    '/admin/waitlist/stats',
    {
      schema: {
        hide: true,
        tags: ['admin'],
        summary: 'Waitlist entries by status',
        response: { 200: WaitlistStatsSchema, ...adminErrors },
      },
    },
    async (req) => waitlist.stats(req.viewer),
  );

  app.patch(
    '/admin/waitlist/:id',
    {
      schema: {
        hide: true,
        tags: ['admin'],
        summary: 'Invite (stamps invited_at), mark converted or pending, and/or set the notes of an entry',
        params: IdParams,
        body: UpdateWaitlistBody,
        response: { 200: WaitlistEntrySchema, ...adminErrors },
      },
    },
    async (req) => toWaitlistJson(await waitlist.update(req.viewer, req.params.id, req.body)),
  );

  app.delete(
    '/admin/waitlist/:id',
    {
      schema: {
        hide: true,
        tags: ['admin'],
        summary: 'Remove an entry (spam, mistakes)',
        params: IdParams,
        response: { 200: DeletedSchema, ...adminErrors },
      },
    },
    async (req) => {
      await waitlist.remove(req.viewer, req.params.id);
      return { status: 'deleted' as const };
    },
  );
};

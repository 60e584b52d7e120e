// REST shim for the dashboard's connector picker (create/edit dialogs) and its Connectors settings
// page (the toolkits it could connect): empty lists, as connectors are not supported.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { authErrors, DetailSchema } from '../http/schemas.js';
import type { ConnectorsService } from './connectors.service.js';

export const connectorsRoutes: FastifyPluginAsyncTypebox<{ connectors: ConnectorsService }> = async (
  app,
  { connectors },
) => {
  app.get(
    '/api/v1/connectors',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Your connected tools: always empty (connectors are not supported by this gateway)',
        response: { 200: Type.Array(Type.Object({}), { maxItems: 0 }), 404: DetailSchema, ...authErrors },
      },
    },
    async (req) => connectors.list(req.viewer),
  );
  app.get(
    '/api/v1/connectors/available',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Toolkits you could connect: always empty (connectors are not supported by this gateway)',
        response: { 200: Type.Array(Type.Object({}), { maxItems: 0 }), 404: DetailSchema, ...authErrors },
      },
    },
    async (req) => connectors.available(req.viewer),
  );
};

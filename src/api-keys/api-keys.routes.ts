// REST shim for /auth/api-keys (CONTRACT.md); rules live in api-keys.service, shapes in
// api-keys.schemas.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Services } from '../container.js';
import { authErrors, DetailSchema, IdParams, ValidationErrorSchema } from '../http/schemas.js';
import { StatusSchema } from '../users/users.schemas.js';
import { toApiKeyJson } from './api-keys.json.js';
import { ApiKeySchema, CreateApiKeyBody, CreatedApiKeySchema } from './api-keys.schemas.js';

export const apiKeysRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.post(
    '/auth/api-keys',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key (developer role; one active key per user)',
        body: CreateApiKeyBody,
        response: {
          200: CreatedApiKeySchema,
          400: DetailSchema,
          404: DetailSchema,
          422: ValidationErrorSchema,
          429: DetailSchema,
          ...authErrors,
        },
      },
    },
    async (req) => {
      const { key, keyInfo } = await services.apiKeys.create(req.viewer, req.body);
      return { key, key_info: toApiKeyJson(keyInfo) };
    },
  );

  app.get(
    '/auth/api-keys',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'List your API keys, newest first',
        response: { 200: Type.Array(ApiKeySchema), 404: DetailSchema, ...authErrors },
      },
    },
    async (req) => (await services.apiKeys.list(req.viewer)).map(toApiKeyJson),
  );

  app.delete(
    '/auth/api-keys/:id',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key, immediately',
        params: IdParams,
        response: { 200: StatusSchema, 404: DetailSchema, ...authErrors },
      },
    },
    async (req) => {
      await services.apiKeys.revoke(req.viewer, req.params.id);
      return { status: 'revoked' };
    },
  );
};

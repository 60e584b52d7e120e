// REST shim for /auth/api-keys (CONTRACT.md); rules live in api-keys.service.
import type { FastifyPluginAsync } from 'fastify';
import {
  authErrors,
  dateTime,
  detailSchema,
  nullableDateTime,
  uuidParam,
  validationErrorSchema,
} from '../http/schemas.js';
import type { Services } from '../services.js';
import { toApiKeyJson } from './api-keys.types.js';

export const apiKeySchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    user_id: { type: 'string', format: 'uuid' },
    key_prefix: { type: 'string' },
    name: { type: 'string' },
    created_at: dateTime,
    last_used_at: nullableDateTime,
    is_active: { type: 'boolean' },
  },
  required: ['id', 'user_id', 'key_prefix', 'name', 'created_at', 'last_used_at', 'is_active'],
} as const;

export const apiKeysRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  app.post<{ Body: { name: string } }>(
    '/auth/api-keys',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key (developer role; one active key per user)',
        body: {
          type: 'object',
          properties: { name: { type: 'string', minLength: 1, maxLength: 100 } },
          required: ['name'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: { key: { type: 'string' }, key_info: apiKeySchema },
            required: ['key', 'key_info'],
          },
          400: detailSchema,
          404: detailSchema,
          422: validationErrorSchema,
          429: detailSchema,
          ...authErrors,
        },
      },
    },
    async (req) => {
      const { key, keyInfo } = await services.apiKeys.create(req.viewer, { name: req.body.name });
      return { key, key_info: toApiKeyJson(keyInfo) };
    },
  );

  app.get(
    '/auth/api-keys',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'List your API keys, newest first',
        response: { 200: { type: 'array', items: apiKeySchema }, 404: detailSchema, ...authErrors },
      },
    },
    async (req) => (await services.apiKeys.list(req.viewer)).map(toApiKeyJson),
  );

  app.delete<{ Params: { id: string } }>(
    '/auth/api-keys/:id',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key, immediately',
        params: uuidParam,
        response: {
          200: { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] },
          404: detailSchema,
          ...authErrors,
        },
      },
    },
    async (req) => {
      await services.apiKeys.revoke(req.viewer, req.params.id);
      return { status: 'revoked' };
    },
  );
};

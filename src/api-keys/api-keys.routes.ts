// REST shim for /auth/api-keys (CONTRACT.md); rules live in api-keys.service, shapes in
// api-keys.schemas.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { authErrors, DetailSchema, IdParams, ValidationErrorSchema } from '../http/schemas.js';
import { StatusSchema } from '../users/users.schemas.js';
import { toApiKeyJson } from './api-keys.json.js';
import {
  API_KEY_LIMITS,
  ApiKeySchema,
  CreateApiKeyBody,
  CreatedApiKeySchema,
  RotateApiKeyRestBody,
} from './api-keys.schemas.js';
import type { ApiKeysService } from './api-keys.service.js';

const originOf = (req: { ip: string; headers: { 'user-agent'?: string | undefined } }) => ({
  ip: req.ip,
  userAgent: req.headers['user-agent'],
});

/** Creating and rotating answer alike: the new key once, or why not. */
const createdKeyResponses = {
  200: CreatedApiKeySchema,
  400: DetailSchema,
  404: DetailSchema,
  422: ValidationErrorSchema,
  429: DetailSchema,
  ...authErrors,
};

export const apiKeysRoutes: FastifyPluginAsyncTypebox<{ apiKeys: ApiKeysService }> = async (app, { apiKeys }) => {
  app.post(
    '/auth/api-keys',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key (developer role; one active key per user)',
        body: CreateApiKeyBody,
        response: createdKeyResponses,
      },
    },
    async (req) => {
      const { key, keyInfo } = await apiKeys.create(req.viewer, req.body, originOf(req));
      return { key, key_info: toApiKeyJson(keyInfo) };
    },
  );

  app.post(
    '/auth/api-keys/:id/rotate',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Rotate an API key: a new key now, the old one working for the grace period',
        params: IdParams,
        body: RotateApiKeyRestBody,
        response: createdKeyResponses,
      },
    },
    async (req) => {
      const body = {
        grace_period_seconds: req.body?.grace_period_seconds ?? API_KEY_LIMITS.defaultGraceSeconds,
      };
      const { key, keyInfo } = await apiKeys.rotate(req.viewer, req.params.id, body, originOf(req));
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
    async (req) => (await apiKeys.list(req.viewer)).map(toApiKeyJson),
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
      await apiKeys.revoke(req.viewer, req.params.id, originOf(req));
      return { status: 'revoked' };
    },
  );
};

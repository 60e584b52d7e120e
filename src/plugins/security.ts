// Security headers on every response, and CORS for the configured browser origins (the
// dashboard). API answers are JSON, so the default policy allows nothing to load; the
// playground and /docs pages set their own route-level policy.
import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';

export default fp<{ config: Config }>(
  async (app, { config }) => {
    await app.register(fastifyHelmet, {
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      crossOriginResourcePolicy: { policy: 'same-site' },
    });
    // Apollo Client's client-awareness headers and preflight are allowed.
    await app.register(fastifyCors, {
      origin: config.corsOrigins.length > 0 ? [...config.corsOrigins] : false,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      allowedHeaders: [
        'authorization',
        'content-type',
        'accept',
        'apollographql-client-name',
        'apollographql-client-version',
        'apollo-require-preflight',
        'x-apollo-operation-name',
        'idempotency-key',
        'x-request-id',
      ],
      exposedHeaders: ['x-request-id', 'retry-after'],
      maxAge: 600,
    });
  },
  { name: 'torale-security' },
);

// Security headers on every response, and CORS for the configured browser origins (the
// dashboard). API answers are JSON, so the default policy allows nothing to load; the
// playground and /docs pages set their own route-level policy. Helmet's headers depend
// only on its configuration, so they are computed once here, not rebuilt per request.
import fastifyCors from '@fastify/cors';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';
import type { Config } from '../config/config.js';

const HELMET: Readonly<HelmetOptions> = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  crossOriginResourcePolicy: { policy: 'same-site' },
};

/** The headers helmet sets for `options`, read off one pass of its middleware. */
export function securityHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: unknown) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as never, res as never, () => {});
  return Object.freeze(headers);
}

export default fp<{ config: Pick<Config['server'], 'corsOrigins'> }>(
  async (app, { config }) => {
    const headers = securityHeaders(HELMET);
    app.addHook('onRequest', (_request, reply, done) => {
      void reply.headers(headers);
      done();
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
      exposedHeaders: ['x-request-id', 'retry-after', 'torale-ignored-fields'],
      maxAge: 600,
    });
  },
  { name: 'torale-security' },
);

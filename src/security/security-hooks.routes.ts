// Inbound calls from other systems, not from users: GitHub's secret-scanning alerts and
// Clerk's user webhooks. Both are signed over the exact bytes sent, so in this plugin (and
// only here) JSON bodies stay raw; both skip user authentication (the signature is it) and
// are held to the anonymous limit per address before their bodies are read (plugins/auth).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { DetailSchema } from '../http/schemas.js';
import type { ClerkWebhooksService } from './clerk-webhooks.service.js';
import type { SecretScanningService } from './secret-scanning.service.js';

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
const BODY_LIMIT = 1024 * 1024;

export const securityHooksRoutes: FastifyPluginAsyncTypebox<{
  secretScanning: SecretScanningService;
  clerkWebhooks: ClerkWebhooksService;
}> = async (app, { secretScanning, clerkWebhooks }) => {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) =>
    done(null, body),
  );
  const rawOf = (body: unknown) => (Buffer.isBuffer(body) ? body : Buffer.alloc(0));

  app.post(
    '/auth/secret-scanning/github',
    {
      config: { auth: false, signedHook: true },
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['security'],
        summary: 'GitHub secret-scanning partner alerts: leaked keys are revoked at once',
        security: [],
        response: {
          200: Type.Array(Type.Object({ token_hash: Type.String(), token_type: Type.String(), label: Type.String() })),
          400: DetailSchema,
          401: DetailSchema,
        },
      },
    },
    async (req) =>
      secretScanning.alert(rawOf(req.body), {
        identifier: header(req.headers['github-public-key-identifier']),
        signature: header(req.headers['github-public-key-signature']),
      }),
  );

  app.post(
    '/webhooks/clerk',
    {
      config: { auth: false, signedHook: true },
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['security'],
        summary: 'Clerk user webhooks (Svix-signed): deleted, banned or locked users lose access at once',
        security: [],
        response: { 200: Type.Object({ status: Type.String() }), 400: DetailSchema, 503: DetailSchema },
      },
    },
    async (req) => clerkWebhooks.receive(`http://gateway${req.url}`, req.headers, rawOf(req.body)),
  );
};

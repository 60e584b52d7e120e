// The REST reference: OpenAPI 3 generated from the route schemas, at /openapi.json and
// browsable (swagger-ui, served locally) at /docs. Registered before the routes it documents.
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';

export default fp(
  async (app) => {
    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'Torale Gateway REST API',
          version: '1.0.0',
          description:
            'The documented Torale REST API. Authenticate with `Authorization: Bearer sk_...` or a Clerk session token.',
        },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        security: [{ bearer: [] }],
      },
    });
    // The docs pages are static: no authentication, and not counted as anonymous traffic.
    app.addHook('onRoute', (route) => {
      if (route.url.startsWith('/docs')) route.config = { ...route.config, auth: false };
    });
    await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });
    app.get('/openapi.json', { config: { auth: false }, schema: { hide: true } as object }, async () => app.swagger());
  },
  { name: 'torale-openapi' },
);

// How requests are read: JSON bodies only (a text/plain POST — a "simple" cross-site
// request — gets 415), an empty JSON body means "no body", and route schemas are checked
// by the same Ajv settings the GraphQL path uses (lib/validation.ts).
import fp from 'fastify-plugin';
import { createAjv } from '../lib/validation.js';

export default fp(
  async (app) => {
    const ajv = { body: createAjv('body'), params: createAjv('params') };
    app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? ajv.body : ajv.params).compile(schema));

    const defaultJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.removeContentTypeParser('text/plain');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
      if (typeof body === 'string' && body.trim() === '') done(null, undefined);
      else defaultJson(req, body as string, done);
    });
  },
  { name: 'torale-input' },
);

// How requests are read: JSON bodies only (a text/plain POST — a "simple" cross-site
// request — gets 415), an empty JSON body means "no body", fields a body schema does not
// know are ignored and named (http/ignored-fields.ts), and route schemas are checked by
// the same Ajv settings the GraphQL path uses (lib/validation.ts).
//
// A body over the limit is read to its end and discarded before the 413 goes out (up to
// DISCARD_LIMIT): closing a connection whose client is still uploading resets it, and the
// client then sees a reset instead of the 413.
import type { IncomingMessage } from 'node:http';
import type { TSchema } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Errors } from '../errors.js';
import { dropUnknownFields, IGNORED_FIELDS_HEADER } from '../http/ignored-fields.js';
import { createAjv } from '../lib/validation.js';

/** Bytes of an oversized body read and thrown away so that the client can read its 413. */
const DISCARD_LIMIT = 64 * 1024 * 1024;

const tooLarge = () =>
  Object.assign(new Error('Request body is too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });

/** The body as text, or a 413 once the whole (oversized) body has arrived. */
function readBody(payload: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(payload.headers['content-length']);
    if (declared > DISCARD_LIMIT) return reject(tooLarge());
    const chunks: Buffer[] = [];
    let received = 0;
    payload.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > DISCARD_LIMIT) {
        payload.removeAllListeners('data');
        reject(tooLarge());
      } else if (received <= limit) chunks.push(chunk);
    });
    payload.on('end', () => (received > limit ? reject(tooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    payload.on('error', reject);
  });
}

/**
 * A body that is not JSON: on REST, FastAPI's 422 `json_invalid` at `["body", <position>]`, as
 * Torale answers (its clients read a 422 as a validation error); GraphQL keeps its 400.
 */
function jsonError(request: FastifyRequest, text: string, err: Error): Error {
  if (request.url.startsWith('/graphql') || (err as { code?: string }).code !== 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return err;
  }
  let position = 0;
  try {
    JSON.parse(text);
  } catch (e) {
    const message = String((e as Error).message);
    const at = /at position (\d+)/.exec(message)?.[1];
    position = at ? Number(at) : /end of JSON input/.test(message) ? text.length : 0;
  }
  return Errors.validation([{ type: 'json_invalid', loc: ['body', position], msg: 'JSON decode error' }]);
}

export default fp(
  async (app) => {
    const ajv = { body: createAjv('body'), params: createAjv('params') };
    app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? ajv.body : ajv.params).compile(schema));

    // Unknown body fields are dropped (and named) before the schema sees them, as Torale's do.
    app.addHook('preValidation', async (request, reply) => {
      const schema = request.routeOptions.schema?.body;
      if (!schema || typeof request.body !== 'object' || request.body === null) return;
      const ignored = dropUnknownFields(schema as TSchema, request.body);
      if (ignored) void reply.header(IGNORED_FIELDS_HEADER, ignored);
    });

    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.removeContentTypeParser('text/plain');
    app.addContentTypeParser('application/json', async (request: FastifyRequest, payload: IncomingMessage) => {
      const text = await readBody(payload, request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? 1048576);
      if (text.trim() === '') return undefined;
      return new Promise((resolve, reject) =>
        parseJson(request, text, (err, body) => (err ? reject(jsonError(request, text, err)) : resolve(body))),
      );
    });
  },
  { name: 'torale-input' },
);

// One error handler for every route: the contract's status and body (REST `{"detail"}`,
// GraphQL `errors[].extensions.code`), 5xx details logged and never sent.
import fp from 'fastify-plugin';
import { Errors } from '../errors.js';
import { httpErrorOf, sendError } from '../http/error-handler.js';

export default fp(
  async (app) => {
    app.setErrorHandler((error, request, reply) => {
      const err = httpErrorOf(error, request);
      if (err.status >= 500) {
        const log = err.status === 503 ? request.log.warn.bind(request.log) : request.log.error.bind(request.log);
        log({ err: error }, 'request failed');
      }
      return sendError(request, reply, err);
    });
    app.setNotFoundHandler((request, reply) => sendError(request, reply, Errors.notFound()));
  },
  { name: 'torale-errors' },
);

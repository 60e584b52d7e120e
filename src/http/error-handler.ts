// The single error handler: catalog errors keep their status and detail, request
// validation becomes FastAPI's 422 list, Fastify's own 4xx keep their status, and
// everything else is a 500 (or 503 when the database is unreachable) with no internals.
import type { ErrorObject } from 'ajv';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, Errors, graphqlEnvelopeOf, isAppError, toAppError } from '../errors.js';
import { ajvToIssues } from '../lib/validation.js';

/** The AppError a thrown value becomes at the HTTP edge. */
export function httpErrorOf(error: unknown, request: FastifyRequest): AppError {
  if (isAppError(error)) return error;
  const fe = error as FastifyError & { validation?: ErrorObject[]; validationContext?: string };
  if (fe?.validation) {
    return Errors.validation(ajvToIssues(fe.validation, fe.validationContext ?? 'body', request.body === undefined));
  }
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    // Fastify's own client errors (bad JSON, 413, 415, ...) carry safe messages.
    const detail = status === 413 ? 'Request body is too large' : fe.message || 'Bad request';
    const code = status === 404 ? 'NOT_FOUND' : status === 429 ? 'TOO_MANY_REQUESTS' : 'BAD_USER_INPUT';
    return new AppError(status, code, detail);
  }
  return toAppError(error);
}

export function wantsGraphQLResponse(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('application/graphql-response+json');
}

/** Sends an error in the REST or GraphQL shape, depending on the endpoint. */
export function sendError(request: FastifyRequest, reply: FastifyReply, err: AppError): FastifyReply {
  void reply.code(err.status).headers(err.headers);
  if (request.url.startsWith('/graphql')) {
    const { message, extensions } = graphqlEnvelopeOf(err);
    void reply.type(
      wantsGraphQLResponse(request)
        ? 'application/graphql-response+json; charset=utf-8'
        : 'application/json; charset=utf-8',
    );
    // With tracing on, plugins/tracing has named the trace in x-trace-id; GraphQL errors carry it too.
    const traceId = reply.getHeader('x-trace-id');
    return reply.send(
      JSON.stringify({ errors: [{ message, extensions: { ...extensions, ...(traceId ? { traceId } : {}) } }] }),
    );
  }
  return reply.send({ detail: err.detail });
}

// The single error handler: catalog errors keep their status and detail, request
// validation becomes FastAPI's 422 list, Fastify's own 4xx keep their status, and
// everything else is a 500 (or 503 when the database is unreachable) with no internals.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, Errors, isAppError, toAppError, type ValidationIssue } from '../errors.js';

const PART: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

interface AjvError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

function pathOf(instancePath: string): (string | number)[] {
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

const TYPE_MESSAGES: Record<string, [string, string]> = {
  string: ['string_type', 'Input should be a valid string'],
  boolean: ['bool_type', 'Input should be a valid boolean'],
  integer: ['int_type', 'Input should be a valid integer'],
  number: ['float_type', 'Input should be a valid number'],
  array: ['list_type', 'Input should be a valid list'],
  object: ['dict_type', 'Input should be a valid dictionary'],
};

export function ajvToIssues(errors: AjvError[], part: string, bodyMissing: boolean): ValidationIssue[] {
  const base = PART[part] ?? part;
  if (part === 'body' && bodyMissing) return [{ type: 'missing', loc: ['body'], msg: 'Field required' }];
  return errors.map((e): ValidationIssue => {
    const loc = [base, ...pathOf(e.instancePath)];
    switch (e.keyword) {
      case 'required':
        return { type: 'missing', loc: [...loc, String(e.params.missingProperty)], msg: 'Field required' };
      case 'additionalProperties':
        return {
          type: 'extra_forbidden',
          loc: [...loc, String(e.params.additionalProperty)],
          msg: 'Extra inputs are not permitted',
        };
      case 'type': {
        const t = String(e.params.type).split(',')[0] as string;
        if (t === 'object' && loc.length === 1 && base === 'body') {
          return {
            type: 'model_attributes_type',
            loc,
            msg: 'Input should be a valid dictionary or object to extract fields from',
          };
        }
        const [type, msg] = TYPE_MESSAGES[t] ?? ['type_error', `Input should be of type ${t}`];
        return { type, loc, msg };
      }
      case 'minLength': {
        const n = Number(e.params.limit);
        return {
          type: 'string_too_short',
          loc,
          msg: `String should have at least ${n} character${n === 1 ? '' : 's'}`,
        };
      }
      case 'maxLength':
        return { type: 'string_too_long', loc, msg: `String should have at most ${e.params.limit} characters` };
      case 'minimum':
        return { type: 'greater_than_equal', loc, msg: `Input should be greater than or equal to ${e.params.limit}` };
      case 'maximum':
        return { type: 'less_than_equal', loc, msg: `Input should be less than or equal to ${e.params.limit}` };
      case 'minItems':
        return { type: 'too_short', loc, msg: `List should have at least ${e.params.limit} items` };
      case 'maxItems':
        return { type: 'too_long', loc, msg: `List should have at most ${e.params.limit} items` };
      case 'enum': {
        const allowed = (e.params.allowedValues as unknown[]).map((v) => `'${String(v)}'`);
        const list = allowed.length > 1 ? `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}` : allowed[0];
        return { type: 'enum', loc, msg: `Input should be ${list}` };
      }
      case 'format':
        if (e.params.format === 'uuid') return { type: 'uuid_parsing', loc, msg: 'Input should be a valid UUID' };
        return { type: 'value_error', loc, msg: `Input should be a valid ${String(e.params.format)}` };
      default:
        return { type: 'value_error', loc, msg: e.message ?? 'Invalid value' };
    }
  });
}

/** The AppError a thrown value becomes at the HTTP edge. */
export function httpErrorOf(error: unknown, request: FastifyRequest): AppError {
  if (isAppError(error)) return error;
  const fe = error as FastifyError & { validation?: AjvError[]; validationContext?: string };
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
    const message =
      typeof err.detail === 'string' ? err.detail : err.detail.map((i) => `${i.loc.join('.')}: ${i.msg}`).join('; ');
    void reply.type(
      wantsGraphQLResponse(request)
        ? 'application/graphql-response+json; charset=utf-8'
        : 'application/json; charset=utf-8',
    );
    return reply.send(JSON.stringify({ errors: [{ message, extensions: { code: err.code } }] }));
  }
  return reply.send({ detail: err.detail });
}

// What a GraphQL client may see of an error: the catalog's message and extensions.code,
// GraphQL's own request errors as they are, and nothing else (no stack, SQL or paths).
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { graphqlEnvelopeOf, isAppError, toAppError } from '../errors.js';
import type { Logger } from '../lib/logger.js';

const PASS_THROUGH = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  // The caller's budget (plugins/graphql): already the catalog's message.
  'TOO_MANY_REQUESTS',
]);

/** With tracing on, every error also carries `extensions.traceId`: what to search the traces for. */
export function createFormatError(logger: Logger, traceIds?: () => { traceId: string } | undefined) {
  const format = formatWith(logger);
  if (!traceIds) return format;
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const result = format(formatted, error);
    const traceId = traceIds()?.traceId;
    return traceId ? { ...result, extensions: { ...result.extensions, traceId } } : result;
  };
}

function formatWith(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const where = {
      ...(formatted.locations && { locations: formatted.locations }),
      ...(formatted.path && { path: formatted.path }),
    };
    if (isAppError(original)) {
      const { message, extensions } = graphqlEnvelopeOf(original);
      return { message, ...where, extensions };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && PASS_THROUGH.has(code) && original === error) {
      // `reason` says which refusal it was (trusted documents: PERSISTED_QUERY_NOT_TRUSTED).
      const reason = formatted.extensions?.reason;
      return {
        message: formatted.message,
        ...where,
        extensions: { code, ...(typeof reason === 'string' && { reason }) },
      };
    }
    if (isApolloClientError(error)) {
      return { message: formatted.message, ...where, extensions: { code: 'BAD_USER_INPUT' } };
    }
    const mapped = toAppError(original);
    if (mapped.status >= 500) {
      logger.error({ err: original, path: formatted.path }, 'GraphQL resolver failed');
    }
    return { message: mapped.detail as string, ...where, extensions: { code: mapped.code } };
  };
}

/**
 * Apollo's own refusals that carry a 4xx status but no code ("provided sha does not match
 * query", "Unsupported persisted query version"): the client's mistake, not a 500. Only
 * errors Apollo built itself qualify — no resolver (path) and nothing underneath.
 */
function isApolloClientError(error: unknown): boolean {
  if (!(error instanceof GraphQLError) || error.originalError || error.path || error.extensions.code) return false;
  const status = (error.extensions.http as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

// An operation that arrives outside Apollo (subscriptions over WebSocket or SSE) gets the
// same checks as one that goes through it: size, tokens, schema validation with the
// limit rules, argument ranges and cost. Only subscriptions are served that way; queries
// and mutations belong on HTTP, where the rest of the pipeline runs.
import {
  type DocumentNode,
  type GraphQLError,
  GraphQLError as GraphQLErrorClass,
  type GraphQLSchema,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import type { Viewer } from '../auth/viewer.js';
import { isAppError } from '../errors.js';
import { checkQuerySize, operationChecker, parseOptions, validationRules } from './limits.js';
import { resolveDocumentId, type TrustedDocuments } from './trusted-documents.js';

export interface PreparedOperation {
  document: DocumentNode;
  variables: Record<string, unknown>;
  operationName: string | undefined;
}

const badInput = (message: string) => new GraphQLErrorClass(message, { extensions: { code: 'BAD_USER_INPUT' } });

export function subscriptionPreparer(schema: GraphQLSchema, trusted?: TrustedDocuments) {
  const check = operationChecker(schema);
  return (
    payload: {
      query?: unknown;
      variables?: unknown;
      operationName?: unknown;
    },
    viewer: Viewer,
  ): PreparedOperation | readonly GraphQLError[] => {
    // Trusted documents as on POST /graphql: an id names a manifest's document; others per the mode.
    if (trusted) {
      try {
        resolveDocumentId(trusted, payload, viewer);
        if (typeof payload.query === 'string') {
          const name = typeof payload.operationName === 'string' ? payload.operationName : undefined;
          trusted.check(payload.query, viewer, name);
        }
      } catch (e) {
        return [isAppError(e) ? badInput(String(e.detail)) : (e as GraphQLError)];
      }
    }
    try {
      checkQuerySize(payload);
    } catch (e) {
      return [badInput(isAppError(e) ? String(e.detail) : 'Query is too large')];
    }
    if (typeof payload.query !== 'string') return [badInput('A query is required')];
    const variables =
      payload.variables && typeof payload.variables === 'object' ? (payload.variables as Record<string, unknown>) : {};
    const operationName = typeof payload.operationName === 'string' ? payload.operationName : undefined;
    let document: DocumentNode;
    try {
      document = parse(payload.query, parseOptions);
    } catch (e) {
      return [e as GraphQLError];
    }
    const errors = validate(schema, document, [...specifiedRules, ...validationRules]);
    if (errors.length > 0) return errors;
    const operation = getOperationAST(document, operationName);
    if (operation?.operation !== 'subscription') {
      return [badInput('Only subscriptions are served here; send queries and mutations to POST /graphql')];
    }
    try {
      check(document, variables, operationName);
    } catch (e) {
      return [e as GraphQLError];
    }
    return { document, variables, operationName };
  };
}

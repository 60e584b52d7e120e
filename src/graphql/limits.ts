// Bounded work per GraphQL request, all decided before any resolver or SQL runs:
// token count (parser), depth, aliases and directives (validation rules), and a cost
// computed with the request's variables from the @cost/@listSize directives of the schema
// (graphql/cost.ts).
import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  type DocumentNode,
  type FieldNode,
  GraphQLError,
  type GraphQLSchema,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { Errors } from '../errors.js';
import { analyseCost } from './cost.js';

export const LIMITS = {
  /**
   * Query text in UTF-8 bytes, comments and whitespace included (the token limit does not
   * see comments, and a persisted query is stored as sent). A document at the token limit,
   * pretty-printed, fits; GraphiQL's introspection query is 2 KB.
   */
  maxQueryBytes: 32 * 1024,
  maxTokens: 2000,
  // Our deepest operation is 3 levels; GraphiQL's introspection query needs 13.
  maxDepth: 15,
  maxAliases: 15,
  maxDirectives: 10,
  // In the spec's points (graphql/cost.ts): the dashboard's task list of 1,000 costs 4,000.
  maxCost: 5_000,
} as const;

export const parseOptions = { maxTokens: LIMITS.maxTokens };

/**
 * Refuses a request whose query text is over maxQueryBytes, before Apollo parses it or
 * stores it as a persisted query. `params` is the POST body or the GET query string.
 */
export function checkQuerySize(params: unknown): void {
  const query = (params as { query?: unknown } | null | undefined)?.query;
  if (typeof query !== 'string' || query.length <= LIMITS.maxQueryBytes / 3) return; // 3 bytes per UTF-16 unit at most
  const bytes = Buffer.byteLength(query, 'utf8');
  if (bytes > LIMITS.maxQueryBytes) {
    throw Errors.badRequest(`Query is too large: ${bytes} bytes exceeds the limit of ${LIMITS.maxQueryBytes}.`);
  }
}

// Report as ordinary validation errors (400 GRAPHQL_VALIDATION_FAILED), not thrown exceptions.
const report = {
  propagateOnRejection: false,
  onReject: [(ctx: ValidationContext | null, err: GraphQLError) => ctx?.reportError(err)],
};

export const validationRules: ValidationRule[] = [
  maxDepthRule({ n: LIMITS.maxDepth, flattenFragments: true, ignoreIntrospection: false, ...report }),
  maxAliasesRule({ n: LIMITS.maxAliases, ...report }),
  maxDirectivesRule({ n: LIMITS.maxDirectives, ...report }),
];

const analyse = analyseCost;

const badInput = (message: string, nodes?: readonly FieldNode[]) =>
  new GraphQLError(message, { nodes, extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });

/** The cost of a document as the limit sees it (never negative). */
export function queryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> = {},
  operationName?: string | null,
): number {
  return analyse(schema, document, variables, operationName).cost;
}

type Analysis = ReturnType<typeof analyse>;

/** Variables longer than this are analysed every time rather than kept as a cache key. */
const MAX_CACHED_VARIABLES = 1024;
const ANALYSES_PER_DOCUMENT = 64;

/**
 * The analysis of a document, remembered per parsed document (Apollo keeps one object per
 * query text) and per operation and variables: a client sending the same operation again
 * costs a map lookup, not a walk of the document.
 */
function cachedAnalyser(schema: GraphQLSchema) {
  const byDocument = new WeakMap<DocumentNode, Map<string, Analysis>>();
  return (document: DocumentNode, variables: Record<string, unknown>, operationName?: string | null): Analysis => {
    const vars = JSON.stringify(variables);
    if (vars.length > MAX_CACHED_VARIABLES) return analyse(schema, document, variables, operationName);
    const key = `${operationName ?? ''}\u0000${vars}`;
    let analyses = byDocument.get(document);
    const hit = analyses?.get(key);
    if (hit) return hit;
    const result = analyse(schema, document, variables, operationName);
    if (!analyses) {
      analyses = new Map();
      byDocument.set(document, analyses);
    }
    if (analyses.size >= ANALYSES_PER_DOCUMENT) analyses.clear();
    analyses.set(key, result);
    return result;
  };
}

/**
 * Arguments outside their documented range, then cost: decided once the operation and its
 * variables are known, before execution — and before Apollo stores a persisted query,
 * which it does only for requests that get past didResolveOperation.
 */
export function operationChecker(schema: GraphQLSchema) {
  const analysisOf = cachedAnalyser(schema);
  /** Throws BAD_USER_INPUT for an argument out of range or a cost over the limit; else the cost. */
  return (document: DocumentNode, variables: Record<string, unknown>, operationName?: string | null): number => {
    const { cost, issues } = analysisOf(document, variables, operationName);
    if (issues.length > 0) {
      throw badInput(issues.map((i) => i.message).join('; '), [...new Set(issues.map((i) => i.node))]);
    }
    if (cost > LIMITS.maxCost) {
      throw badInput(`Query is too expensive: cost ${cost} exceeds the limit of ${LIMITS.maxCost}.`);
    }
    return cost;
  };
}

/**
 * `charge` is told the cost of every operation that passed (the caller's budget, which may
 * still refuse it); what it throws is the request's error.
 */
export function complexityPlugin<C extends object>(
  schema: GraphQLSchema,
  opts: { onRejected?: () => void; charge?: (context: C, cost: number) => void | Promise<void> } = {},
): ApolloServerPlugin<C> {
  const check = operationChecker(schema);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, contextValue }) {
          let cost: number;
          try {
            cost = check(document, request.variables ?? {}, request.operationName);
          } catch (e) {
            opts.onRejected?.();
            throw e;
          }
          await opts.charge?.(contextValue, cost);
        },
      };
    },
  };
}

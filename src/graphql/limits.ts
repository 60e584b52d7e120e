// Bounded work per GraphQL request, all decided before any resolver or SQL runs:
// token count (parser), depth, aliases and directives (validation rules), and a cost
// computed with the request's variables (list arguments multiply what they select).
import { createRequire } from 'node:module';
import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  type ASTNode,
  type DocumentNode,
  type FieldNode,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  getVariableValues,
  isListType,
  isNonNullType,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type * as QueryComplexity from 'graphql-query-complexity';
import { Errors } from '../errors.js';
import { argumentRuleOf } from './arguments.js';

// graphql-query-complexity's ESM build imports graphql/index.mjs, a second copy of graphql
// next to the CommonJS one everything else uses ("Cannot use GraphQLObjectType from another
// module or realm"). Its CommonJS build shares ours.
const { getComplexity, simpleEstimator } = createRequire(import.meta.url)(
  'graphql-query-complexity',
) as typeof QueryComplexity;
type ComplexityEstimator = QueryComplexity.ComplexityEstimator;

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
  maxCost: 50_000,
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

/**
 * How many items a field multiplies its selection by, for cost, when it has no `limit`
 * (fields with an argument rule get theirs, default applied, from their schema; a page's
 * `tasks` are already counted by `publicTasks(limit)`).
 */
const LIST_SIZES: Record<string, number> = {
  'Query.tasks': 1000,
  'Query.apiKeys': 10,
  'PublicTaskPage.tasks': 1,
  'WebhookDelivery.attempts': 20,
  'Task.notifications': 2,
  'Query.templates': 10,
  'WebhookDeliveryHistory.deliveries': 1,
  'NotificationSendPage.sends': 1,
};

const isConnectionEdges = (parent: string, field: string) => field === 'edges' && parent.endsWith('Connection');

/** A field's own cost: no selection, argument or list size makes a field cheaper than this. */
const FIELD_COST = 1;

type Issue = { message: string; node: FieldNode };

function listEstimator(issues: Issue[]): ComplexityEstimator {
  return ({ type: parent, field, args, childComplexity, node }) => {
    // Introspection is bounded by depth and tokens (and off in production); no cost here.
    if (parent.name.startsWith('__') || field.name.startsWith('__')) return 0;
    let input: Record<string, unknown> = args;
    const rule = argumentRuleOf(field);
    if (rule) {
      const checked = rule.check(args);
      if ('issues' in checked) {
        const name = node.alias?.value ?? node.name.value;
        for (const i of checked.issues) issues.push({ message: `${[name, ...i.loc].join('.')}: ${i.msg}`, node });
      } else {
        input = checked.value as Record<string, unknown>;
      }
    }
    let type = field.type;
    if (isNonNullType(type)) type = type.ofType;
    // A page's size: `limit` of offset lists, `first` of connections.
    const size = input.limit ?? input.first;
    const limit = typeof size === 'number' ? size : undefined;
    const key = `${parent.name}.${field.name}`;
    if (isListType(type) || limit !== undefined || key in LIST_SIZES) {
      // A Relay connection's edges were counted by its `first` already (every connection, not a list kept by hand).
      const listed = isConnectionEdges(parent.name, field.name) ? 1 : LIST_SIZES[key];
      // Clamped: an argument below 1 (only possible in a rejected request) never lowers the cost.
      const size = Math.max(1, limit ?? listed ?? 100);
      return Math.max(FIELD_COST, FIELD_COST + Math.max(childComplexity, 1) * size);
    }
    return undefined;
  };
}

const badInput = (message: string, nodes?: readonly ASTNode[]) =>
  new GraphQLError(message, { nodes, extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });

/**
 * The cost of running `document` with `variables`, and the arguments outside their
 * documented range; throws BAD_USER_INPUT when the variables do not fit the operation.
 */
function analyse(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  operationName?: string | null,
) {
  const operation = getOperationAST(document, operationName);
  if (!operation) return { cost: 0, issues: [] }; // nothing will run (Apollo reports it)
  // Coerced here, not inside the complexity visitor, so a variable that does not fit its
  // type (an Int above 2^31 - 1) is the client's error, as it would be at execution.
  const { errors } = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  if (errors?.length) throw badInput(errors[0]?.message ?? 'Invalid variables', errors[0]?.nodes);
  const issues: Issue[] = [];
  let cost: number;
  try {
    cost = getComplexity({
      schema,
      query: document,
      operationName: operation.name?.value,
      variables,
      estimators: [listEstimator(issues), simpleEstimator({ defaultComplexity: FIELD_COST })],
    });
  } catch (e) {
    // The visitor's own refusals (too many nodes once fragments are expanded) are about the document.
    if (e instanceof GraphQLError && !e.originalError) throw badInput(e.message, e.nodes);
    throw e;
  }
  return { cost: Math.max(0, cost), issues };
}

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

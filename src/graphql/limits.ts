// Bounded work per GraphQL request, all decided before any resolver or SQL runs:
// token count (parser), depth, aliases and directives (validation rules), and a cost
// computed with the request's variables (list arguments multiply what they select).
import { createRequire } from 'node:module';
import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  type GraphQLSchema,
  isListType,
  isNonNullType,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type * as QueryComplexity from 'graphql-query-complexity';

// graphql-query-complexity's ESM build imports graphql/index.mjs, a second copy of graphql
// next to the CommonJS one everything else uses ("Cannot use GraphQLObjectType from another
// module or realm"). Its CommonJS build shares ours.
const { getComplexity, simpleEstimator } = createRequire(import.meta.url)(
  'graphql-query-complexity',
) as typeof QueryComplexity;
type ComplexityEstimator = QueryComplexity.ComplexityEstimator;

export const LIMITS = {
  maxTokens: 2000,
  // Our deepest operation is 3 levels; GraphiQL's introspection query needs 13.
  maxDepth: 15,
  maxAliases: 15,
  maxDirectives: 10,
  maxCost: 50_000,
} as const;

export const parseOptions = { maxTokens: LIMITS.maxTokens };

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
 * How many items a field multiplies its selection by, for cost: its `limit` argument when
 * given, else a bound per field (a page's `tasks` are already counted by `publicTasks(limit)`).
 */
const LIST_SIZES: Record<string, number> = {
  'Query.tasks': 1000,
  'Query.apiKeys': 10,
  'Query.executions': 100,
  'Query.publicTasks': 20,
  'PublicTaskPage.tasks': 1,
  'Task.notifications': 2,
};

const listEstimator: ComplexityEstimator = ({ type: parent, field, args, childComplexity }) => {
  // Introspection is bounded by depth and tokens (and off in production); no cost here.
  if (parent.name.startsWith('__') || field.name.startsWith('__')) return 0;
  let type = field.type;
  if (isNonNullType(type)) type = type.ofType;
  const limit = typeof args.limit === 'number' ? args.limit : undefined;
  const key = `${parent.name}.${field.name}`;
  if (isListType(type) || limit !== undefined || key in LIST_SIZES) {
    const size = limit ?? LIST_SIZES[key] ?? 100;
    return 1 + Math.max(childComplexity, 1) * size;
  }
  return undefined;
};

export function complexityPlugin(schema: GraphQLSchema, onRejected?: () => void): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const cost = getComplexity({
            schema,
            query: document,
            operationName: request.operationName,
            variables: request.variables ?? {},
            estimators: [listEstimator, simpleEstimator({ defaultComplexity: 1 })],
          });
          if (cost > LIMITS.maxCost) {
            onRejected?.();
            throw new GraphQLError(`Query is too expensive: cost ${cost} exceeds the limit of ${LIMITS.maxCost}.`, {
              extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}

// Builds the executable schema from the resolver classes the composition lists
// (plugins/resolvers.ts), and prints the SDL that is committed as schema/schema.graphql.
// Resolver instances are the gateway's, not type-graphql's: each operation's context
// carries them (graphql/context.ts), so one schema serves every gateway in a process.
import 'reflect-metadata';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { type GraphQLSchema, lexicographicSortSchema, specifiedDirectives } from 'graphql';
import { buildSchema, type NonEmptyArray } from 'type-graphql';
import { authenticatedDirective, policyDirective, requiresScopesDirective } from './access.js';
import type { GraphQLContext } from './context.js';
import { SCHEMA_DIRECTIVES } from './directives.js';

/**
 * Subscriptions are fed by the live hub through their own `subscribe` functions; type-graphql
 * still asks for a PubSub, which nothing may use.
 */
const noPubSub = {
  publish: () => {
    throw new Error('subscriptions are published by the live hub, not through type-graphql');
  },
  subscribe: () => {
    throw new Error('subscriptions are fed by the live hub, not through type-graphql');
  },
};

// biome-ignore lint/complexity/noBannedTypes: type-graphql takes resolver classes as Function.
type ResolverClasses = NonEmptyArray<Function>;

const built = new WeakMap<ResolverClasses, Promise<GraphQLSchema>>();

/** The schema of these resolvers; the same for every app in a process, so built once. */
export function schemaOf(resolvers: ResolverClasses): Promise<GraphQLSchema> {
  let schema = built.get(resolvers);
  if (!schema) {
    schema = buildSchema({
      resolvers,
      container: ({ context }) => (context as GraphQLContext).resolvers,
      validate: false,
      emitSchemaFile: false,
      pubSub: noPubSub,
      directives: [
        ...specifiedDirectives,
        ...SCHEMA_DIRECTIVES,
        authenticatedDirective,
        requiresScopesDirective,
        policyDirective,
      ],
    });
    built.set(resolvers, schema);
  }
  return schema;
}

/** The SDL with the directives applied to fields and types (graphql's own printer leaves them out). */
export async function printSortedSchema(schema: GraphQLSchema): Promise<string> {
  return `${printSchemaWithDirectives(lexicographicSortSchema(schema)).trim()}\n`;
}

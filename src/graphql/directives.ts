// Schema directives that tell a client what an operation costs (IBM GraphQL Cost Directive
// spec, as Apollo Router, Hive and Grafbase read it). Each is declared once, with a
// decorator on the field or type: type-graphql writes it into the field's AST node, from
// which the SDL printer emits it into schema/schema.graphql and the cost calculator
// (graphql/cost.ts) reads it — so what the SDL says is what the limit computes.
import {
  DirectiveLocation,
  type GraphQLArgument,
  GraphQLBoolean,
  GraphQLDirective,
  GraphQLEnumType,
  type GraphQLField,
  GraphQLInt,
  GraphQLList,
  type GraphQLNamedType,
  GraphQLNonNull,
  GraphQLString,
  getDirectiveValues,
} from 'graphql';
import { Directive } from 'type-graphql';

export const costDirective = new GraphQLDirective({
  name: 'cost',
  description: 'What one instance of this field, argument or type adds to an operation’s cost.',
  locations: [
    DirectiveLocation.ARGUMENT_DEFINITION,
    DirectiveLocation.ENUM,
    DirectiveLocation.FIELD_DEFINITION,
    DirectiveLocation.INPUT_FIELD_DEFINITION,
    DirectiveLocation.OBJECT,
    DirectiveLocation.SCALAR,
  ],
  args: { weight: { type: new GraphQLNonNull(GraphQLInt) } },
});

const stringList = new GraphQLList(new GraphQLNonNull(GraphQLString));

export const listSizeDirective = new GraphQLDirective({
  name: 'listSize',
  description:
    'How many items a list returns: the largest of the slicing arguments given (defaults applied), else assumedSize. With sizedFields, that size applies to those fields of the returned object.',
  locations: [DirectiveLocation.FIELD_DEFINITION],
  args: {
    assumedSize: { type: GraphQLInt },
    slicingArguments: { type: stringList },
    sizedFields: { type: stringList },
    requireOneSlicingArgument: { type: GraphQLBoolean, defaultValue: true },
  },
});

export interface ListSize {
  assumedSize?: number;
  slicingArguments?: string[];
  sizedFields?: string[];
  requireOneSlicingArgument?: boolean;
}

const literal = (v: unknown): string =>
  Array.isArray(v) ? `[${v.map(literal).join(', ')}]` : typeof v === 'string' ? JSON.stringify(v) : String(v);

const directiveSdl = (name: string, args: Record<string, unknown>) => {
  const given = Object.entries(args).filter(([, v]) => v !== undefined);
  return given.length === 0 ? `@${name}` : `@${name}(${given.map(([k, v]) => `${k}: ${literal(v)}`).join(', ')})`;
};

/** `@cost(weight: n)` on a field or an object type. */
export const Cost = (weight: number) => Directive(directiveSdl('cost', { weight }));

/** `@listSize(…)` on a field. */
export const ListSize = (size: ListSize) =>
  Directive(
    directiveSdl('listSize', {
      assumedSize: size.assumedSize,
      slicingArguments: size.slicingArguments,
      sizedFields: size.sizedFields,
      requireOneSlicingArgument: size.requireOneSlicingArgument,
    }),
  );

type Declared = GraphQLField<unknown, unknown> | GraphQLArgument | GraphQLNamedType;

/** The weight a field, argument or type declares, if any. */
export function declaredCost(on: Declared): number | undefined {
  if (!on.astNode) return undefined;
  return getDirectiveValues(costDirective, on.astNode)?.weight as number | undefined;
}

/** The list size a field declares, if any. */
export function declaredListSize(field: GraphQLField<unknown, unknown>): ListSize | undefined {
  if (!field.astNode) return undefined;
  return getDirectiveValues(listSizeDirective, field.astNode) as ListSize | undefined;
}

// Apollo's cache hints (read by its cache-control plugin, which the public response cache
// follows): a root field is cached only with a maxAge, an object type inherits its parent's,
// and a PRIVATE field keeps an answer out of the shared cache altogether.
export const cacheControlScope = new GraphQLEnumType({
  name: 'CacheControlScope',
  values: { PUBLIC: {}, PRIVATE: {} },
});

export const cacheControlDirective = new GraphQLDirective({
  name: 'cacheControl',
  description: 'How long an answer containing this field may be cached, and for whom (Apollo cache hints).',
  locations: [
    DirectiveLocation.FIELD_DEFINITION,
    DirectiveLocation.OBJECT,
    DirectiveLocation.INTERFACE,
    DirectiveLocation.UNION,
  ],
  args: {
    maxAge: { type: GraphQLInt },
    scope: { type: cacheControlScope },
    inheritMaxAge: { type: GraphQLBoolean },
  },
});

export interface CacheHint {
  maxAge?: number;
  scope?: 'PUBLIC' | 'PRIVATE';
  inheritMaxAge?: boolean;
}

/** `@cacheControl(…)` on a field or an object type. */
export const CacheControl = (hint: CacheHint) =>
  Directive(
    `@cacheControl(${Object.entries(hint)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}: ${k === 'scope' ? v : literal(v)}`)
      .join(', ')})`,
  );

/** Seconds a cached public answer lives at most (writes retire it sooner: cache/public-generation.ts). */
export const PUBLIC_MAX_AGE = 60;

export const SCHEMA_DIRECTIVES = [costDirective, listSizeDirective, cacheControlDirective];

// The cost of an operation, as the IBM GraphQL Cost Directive spec computes it and Apollo
// Router's static estimate weighs it: a field costs its @cost weight, else its type's, else
// 1 for an object and 0 for a scalar or enum; its selection adds to that; a list multiplies
// both by its size (@listSize: slicing arguments, else assumedSize; sizedFields hand the size
// to the named fields of the object returned); arguments add their @cost weight when given;
// a mutation adds 10. Every weight and size comes from the directives in the SDL
// (graphql/directives.ts). Arguments with a range rule (graphql/arguments.ts) are checked
// on the way, and the slicing value is the one that will be used (defaults applied).
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  GraphQLIncludeDirective,
  type GraphQLNamedType,
  type GraphQLSchema,
  GraphQLSkipDirective,
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  isCompositeType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type SelectionSetNode,
} from 'graphql';
import { argumentRuleOf } from './arguments.js';
import { declaredCost, declaredListSize } from './directives.js';

/** A list with no @listSize (there is none: test/graphql/cost-directives.test.ts) counts as this many. */
export const DEFAULT_LIST_SIZE = 100;
/** What a mutation adds to its fields (Apollo Router's operation weight). */
export const MUTATION_COST = 10;

export type Issue = { message: string; node: FieldNode };

const badInput = (message: string, nodes?: readonly FieldNode[]) =>
  new GraphQLError(message, { nodes, extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });

/** The size a slicing argument gives: the largest given, clamped to at least 1. */
function sliceSize(input: Record<string, unknown>, names: readonly string[]): number | undefined {
  const sizes = names.map((n) => input[n]).filter((v): v is number => typeof v === 'number');
  return sizes.length ? Math.max(1, ...sizes) : undefined;
}

function included(node: { directives?: readonly unknown[] }, variables: Record<string, unknown>): boolean {
  const n = node as FieldNode;
  if (getDirectiveValues(GraphQLSkipDirective, n, variables)?.if === true) return false;
  if (getDirectiveValues(GraphQLIncludeDirective, n, variables)?.if === false) return false;
  return true;
}

/**
 * The cost of running `document` with `variables`, and the arguments outside their
 * documented range; throws BAD_USER_INPUT when the variables do not fit the operation.
 */
export function analyseCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  rawVariables: Record<string, unknown>,
  operationName?: string | null,
): { cost: number; issues: Issue[] } {
  const operation = getOperationAST(document, operationName);
  if (!operation) return { cost: 0, issues: [] }; // nothing will run (Apollo reports it)
  // Coerced here, so a variable that does not fit its type (an Int above 2^31 - 1) is the
  // client's error, as it would be at execution.
  const { errors, coerced } = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables);
  if (errors?.length || !coerced) throw badInput(errors?.[0]?.message ?? 'Invalid variables');
  const variables = coerced;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const issues: Issue[] = [];
  // A fragment spread many times costs one walk (documents are small, expansions need not be).
  const memo = new Map<string, number>();
  const onStack = new Set<string>();

  function field(node: FieldNode, parent: GraphQLNamedType, sized: Map<string, number> | undefined): number {
    const name = node.name.value;
    // Introspection is bounded by depth and tokens (and off in production); no cost here.
    if (name.startsWith('__') || parent.name.startsWith('__')) return 0;
    if (!isObjectType(parent) && !isInterfaceType(parent)) return 0;
    const def = parent.getFields()[name];
    if (!def) return 0; // validation reports it
    const args = getArgumentValues(def, node, variables);
    let input: Record<string, unknown> = args;
    const rule = argumentRuleOf(def);
    if (rule) {
      const checked = rule.check(args);
      if ('issues' in checked) {
        const shown = node.alias?.value ?? name;
        for (const i of checked.issues) issues.push({ message: `${[shown, ...i.loc].join('.')}: ${i.msg}`, node });
      } else {
        input = { ...args, ...(checked.value as Record<string, unknown>) };
      }
    }
    const type = getNamedType(def.type);
    const weight = declaredCost(def) ?? declaredCost(type) ?? (isCompositeType(type) ? 1 : 0);
    let argumentCost = 0;
    for (const a of def.args) if (args[a.name] !== undefined) argumentCost += declaredCost(a) ?? 0;
    const size = declaredListSize(def);
    const slice = size?.slicingArguments ? sliceSize(input, size.slicingArguments) : undefined;
    const perItem = size?.sizedFields?.length ? undefined : (slice ?? size?.assumedSize);
    const children = size?.sizedFields?.length
      ? new Map(size.sizedFields.map((f) => [f, slice ?? size.assumedSize ?? DEFAULT_LIST_SIZE]))
      : undefined;
    const selection = node.selectionSet ? selectionCost(node.selectionSet, type, children) : 0;
    const unwrapped = isNonNullType(def.type) ? def.type.ofType : def.type;
    const count = isListType(unwrapped) ? Math.max(1, sized?.get(name) ?? perItem ?? DEFAULT_LIST_SIZE) : 1;
    return count * (weight + selection) + argumentCost;
  }

  function selectionCost(set: SelectionSetNode, parent: GraphQLNamedType, sized: Map<string, number> | undefined) {
    let total = 0;
    for (const s of set.selections) {
      if (!included(s, variables)) continue;
      if (s.kind === Kind.FIELD) total += field(s, parent, sized);
      else if (s.kind === Kind.INLINE_FRAGMENT) {
        const on = s.typeCondition ? schema.getType(s.typeCondition.name.value) : parent;
        if (on) total += selectionCost(s.selectionSet, on, sized);
      } else {
        const f = fragments.get(s.name.value);
        const on = f && schema.getType(f.typeCondition.name.value);
        if (!f || !on || onStack.has(f.name.value)) continue; // validation reports these
        const key = `${f.name.value}\u0000${parent.name}\u0000${sized ? JSON.stringify([...sized]) : ''}`;
        let cost = memo.get(key);
        if (cost === undefined) {
          onStack.add(f.name.value);
          cost = selectionCost(f.selectionSet, on, sized);
          onStack.delete(f.name.value);
          memo.set(key, cost);
        }
        total += cost;
      }
    }
    return total;
  }

  const root = schema.getRootType(operation.operation);
  if (!root) return { cost: 0, issues };
  const base = operation.operation === 'mutation' ? MUTATION_COST : 0;
  return { cost: Math.max(0, base + selectionCost(operation.selectionSet, root, undefined)), issues };
}

// Arguments of a root field checked against the TypeBox schema its REST twin declares,
// once, in two places: by the resolver (which gets the normalised value, defaults
// applied) and, through the field's extensions, by the cost plugin before execution —
// so a list argument outside its documented range rejects the whole operation before
// any resolver or SQL runs, and the cost is computed with the value that will be used.
import type { Static, TSchema } from '@sinclair/typebox';
import type { GraphQLField } from 'graphql';
import { Extensions } from 'type-graphql';
import { isAppError, type ValidationIssue } from '../errors.js';
import { type InputPart, validate } from '../lib/validation.js';

const EXTENSION = 'toraleArguments';

export interface ArgumentRule<T = unknown> {
  /** The field's GraphQL arguments as the validated REST input; throws the contract's 422. */
  parse(args: Record<string, unknown>): T;
  /** Issues with `loc` in GraphQL argument names, or the parsed input. */
  check(args: Record<string, unknown>): { issues: ValidationIssue[] } | { value: T };
  /** Attaches the rule to the field (type-graphql `@Extensions`). */
  readonly decorator: ReturnType<typeof Extensions>;
}

const camel = (s: string | number) =>
  typeof s === 'string' ? s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) : s;

/**
 * A rule for a field whose arguments map onto `schema` through `toInput` (GraphQL nulls
 * mean "not given"; REST names are snake_case, GraphQL's camelCase).
 */
export function argumentRule<T extends TSchema, A extends Record<string, unknown>>(
  schema: T,
  part: InputPart,
  toInput: (args: A) => unknown,
): ArgumentRule<Static<T>> {
  const rule: Omit<ArgumentRule<Static<T>>, 'decorator'> = {
    parse: (args) => validate(schema, toInput(args as A), part),
    check(args) {
      try {
        return { value: rule.parse(args) };
      } catch (e) {
        if (!isAppError(e) || typeof e.detail === 'string') throw e;
        return { issues: e.detail.map((i) => ({ ...i, loc: i.loc.slice(1).map(camel) })) };
      }
    },
  };
  return { ...rule, decorator: Extensions({ [EXTENSION]: rule }) };
}

/** The rule attached to a schema field, if any. */
export function argumentRuleOf(field: GraphQLField<unknown, unknown>): ArgumentRule | undefined {
  return field.extensions?.[EXTENSION] as ArgumentRule | undefined;
}

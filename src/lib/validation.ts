// Input validation shared by REST (Fastify's validator compiler) and the GraphQL path:
// the same JSON schemas (TypeBox, in each feature's *.schemas.ts), the same Ajv settings,
// and failures reported in FastAPI's 422 shape so REST clients of the documented API see
// the bodies they always did.
import type { Static, TSchema } from '@sinclair/typebox';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { Errors, type ValidationIssue } from '../errors.js';

/** Where a value came from, as FastAPI names it in `loc`. */
export type InputPart = 'body' | 'query' | 'path' | 'header';

/**
 * No NUL characters (for every user-supplied text): PostgreSQL cannot store them in text
 * or jsonb and refuses the write, which would be a 500. ajvToIssues names it in its message.
 */
export const NO_NUL_PATTERN = '^[^\\u0000]*$';

/** An absolute http(s) URL, as pydantic's HttpUrl accepts one (the target rules come later). */
const isHttpUrl = (s: string): boolean => {
  if (!URL.canParse(s)) return false;
  const { protocol, hostname } = new URL(s);
  return (protocol === 'https:' || protocol === 'http:') && hostname !== '';
};

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string): boolean => UUID_RE.test(s);

/**
 * Bodies are validated strictly (no coercion); query strings and path params are coerced
 * from their string form. Strings marked `x-trim` are trimmed before their length is
 * checked, and stored trimmed.
 */
export function createAjv(kind: 'body' | 'params'): Ajv.default {
  const ajv = new Ajv.default({
    allErrors: true,
    strict: false,
    useDefaults: true,
    coerceTypes: kind === 'body' ? false : 'array',
    removeAdditional: false,
    // Errors carry their schema, so an `enum` can say whether it stands for a pydantic Literal.
    verbose: true,
  });
  ajv.addFormat('uuid', UUID_RE);
  ajv.addFormat('date-time', true);
  ajv.addFormat('uri', true);
  ajv.addFormat('http-url', isHttpUrl);
  ajv.addFormat('email', true);
  ajv.addKeyword({
    keyword: 'x-trim',
    type: 'string',
    modifying: true,
    schemaType: 'boolean',
    before: 'maxLength',
    compile: (on: boolean) =>
      function trim(data: string, cxt) {
        if (on && cxt && cxt.parentData !== undefined) {
          (cxt.parentData as Record<string | number, unknown>)[cxt.parentDataProperty] = data.trim();
        }
        return true;
      },
  });
  return ajv;
}

const PART_OF: Record<string, InputPart> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

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

/** Ajv's errors as FastAPI's issue list. `part` is a Fastify context (querystring…) or an InputPart. */
export function ajvToIssues(errors: readonly ErrorObject[], part: string, bodyMissing = false): ValidationIssue[] {
  const base = PART_OF[part] ?? part;
  if (base === 'body' && bodyMissing) return [{ type: 'missing', loc: ['body'], msg: 'Field required' }];
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
        // pydantic names a Literal's error `literal_error` and an Enum's `enum` (same message).
        const literal = (e.parentSchema as Record<string, unknown> | undefined)?.['x-literal'] === true;
        return { type: literal ? 'literal_error' : 'enum', loc, msg: `Input should be ${list}` };
      }
      case 'pattern':
        return {
          type: 'string_pattern_mismatch',
          loc,
          msg:
            e.params.pattern === NO_NUL_PATTERN
              ? 'String should not contain NUL characters'
              : `String should match pattern '${String(e.params.pattern)}'`,
        };
      case 'format':
        if (e.params.format === 'uuid') return { type: 'uuid_parsing', loc, msg: 'Input should be a valid UUID' };
        // pydantic's HttpUrl: a string that is no URL at all, or a URL of another scheme.
        if (e.params.format === 'http-url')
          return URL.canParse(String(e.data))
            ? { type: 'url_scheme', loc, msg: "URL scheme should be 'http' or 'https'" }
            : { type: 'url_parsing', loc, msg: 'Input should be a valid URL, relative URL without a base' };
        return { type: 'value_error', loc, msg: `Input should be a valid ${String(e.params.format)}` };
      default:
        return { type: 'value_error', loc, msg: e.message ?? 'Invalid value' };
    }
  });
}

const ajvs = { body: createAjv('body'), params: createAjv('params') };
const compiled = { body: new WeakMap<TSchema, ValidateFunction>(), params: new WeakMap<TSchema, ValidateFunction>() };

/**
 * Validates (and normalises: defaults, trimming, query coercion) a value against the same
 * schema the REST route declares; throws the contract's 422 otherwise. The GraphQL path
 * calls this with its arguments mapped to the REST field names.
 */
export function validate<T extends TSchema>(schema: T, value: unknown, part: InputPart): Static<T> {
  const kind = part === 'body' ? 'body' : 'params';
  let check = compiled[kind].get(schema);
  if (!check) {
    check = ajvs[kind].compile(schema);
    compiled[kind].set(schema, check);
  }
  if (!check(value)) throw Errors.validation(ajvToIssues(check.errors ?? [], part, value === undefined));
  return value as Static<T>;
}

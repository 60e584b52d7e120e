// Random GraphQL operations built from the schema itself: random root fields (queries and
// mutations) with random values for every argument (negative, zero, 2^31 - 1, -2^31, 2^53,
// out of range, unicode, NUL, empty, wrong enum values, wrong types), nested selections to
// random depth, aliases, inline and named fragments — each sent with its arguments inline
// and as variables, anonymously and with an API key. The gateway never answers 5xx, always
// answers JSON, and the cost the limit computes for any valid document is never negative.
import fc from 'fast-check';
import {
  GraphQLError,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  validate,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryCost } from '../../src/graphql/limits.js';
import { gatewaySchema as getSchema } from '../../src/plugins/resolvers.js';
import { bearer, type TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { createKey, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2_147_483_647);
console.log(`[generated-operations.test] fast-check seed ${SEED} (replay with FC_SEED=${SEED})`);

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
let schema: GraphQLSchema;
let keyHeaders: Record<string, string>;
const ids: string[] = ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', ''];

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway({
    env: { LOG_LEVEL: 'warn', ANONYMOUS_LIMIT_PER_MINUTE: '1000000', AUTH_FAILURE_LIMIT_PER_MINUTE: '1000000' },
  }));
  schema = await getSchema();
  const u = await signIn(t.app, clerk);
  keyHeaders = bearer((await createKey(t.app, u.headers)).key);
  for (const i of [1, 2, 3]) {
    const res = await rest(t.app, 'POST', '/api/v1/tasks', keyHeaders, { name: `t${i}`, search_query: 'q' });
    ids.push(res.body.id);
  }
  await rest(t.app, 'PATCH', `/api/v1/tasks/${ids[3]}/visibility`, keyHeaders, { is_public: true });
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

/** An enum value: bare in a document, a string in variables. */
class Enum {
  constructor(readonly name: string) {}
  toJSON() {
    return this.name;
  }
}

const INTS = [0, 1, -1, 2, 20, 99, 100, 101, 499, 500, 501, 10_000, 10_001, 2 ** 31 - 1, -(2 ** 31)];
const HUGE = [2 ** 53, 3_000_000_000, -3_000_000_000, 2 ** 31, 1.5, Number.MAX_SAFE_INTEGER];
const STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  'x'.repeat(2100),
  '💥'.repeat(50),
  'ACTIVE',
  'email',
  'https://example.com/h',
];

const text = () =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...STRINGS, ...ids) },
    { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  );

const anyJson = () => fc.jsonValue({ maxDepth: 2 }).map((v) => (v === null ? { note: '\u0000' } : v));

/** A value for an input type — sometimes of the wrong kind, or null where it may not be. */
function value(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
  const right = rightValue(type, depth);
  return fc.oneof(
    { weight: 20, arbitrary: right },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 'wrong', 7, true, [], {}) },
  );
}

function rightValue(type: GraphQLInputType, depth: number): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return rightValue(type.ofType, depth);
  if (isListType(type)) return fc.array(value(type.ofType, depth + 1), { maxLength: depth > 1 ? 1 : 3 });
  if (isEnumType(type)) {
    const names = type.getValues().map((v) => v.name);
    return fc.constantFrom(...names, ...names, 'WRONG', 'active').map((n) => new Enum(n));
  }
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    return fc
      .tuple(
        ...fields.map((f) =>
          fc.option(value(f.type, depth + 1), { nil: undefined, freq: isNonNullType(f.type) ? 8 : 2 }),
        ),
        fc.option(fc.constant(1), { nil: undefined, freq: 20 }),
      )
      .map((vs) => {
        const o: Record<string, unknown> = {};
        fields.forEach((f, i) => {
          if (vs[i] !== undefined) o[f.name] = vs[i];
        });
        if (vs[fields.length] !== undefined) o.unknownField = vs[fields.length];
        return o;
      });
  }
  switch (type.name) {
    case 'Int':
      return fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...INTS) },
        { weight: 2, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) },
        { weight: 1, arbitrary: fc.constantFrom(...HUGE) },
      );
    case 'Float':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'Boolean':
      return fc.boolean();
    case 'JSON':
      return anyJson();
    case 'JSONObject':
      return fc.dictionary(fc.constantFrom('a', 'X-Hook', 'content-type', '\u0000'), text(), { maxKeys: 3 });
    default:
      return text();
  }
}

/** As a GraphQL literal. */
function literal(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v instanceof Enum) return v.name;
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`;
  if (typeof v === 'object') {
    return `{ ${Object.entries(v)
      .map(([k, x]) => `${/^[_A-Za-z][_0-9A-Za-z]*$/.test(k) ? k : 'badKey'}: ${literal(x)}`)
      .join(', ')} }`;
  }
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

interface Built {
  inline: string;
  withVariables: string;
  variables: Record<string, unknown>;
}

/** A whole operation, drawn imperatively (fc.gen keeps it replayable and shrinkable). */
const operation = fc.gen().map((g): Built => {
  const kind = g(fc.constantFrom, 'query', 'mutation', 'query') as 'query' | 'mutation';
  const root = kind === 'query' ? schema.getQueryType() : schema.getMutationType();
  if (!root) throw new Error('no root type');
  const rootFields = Object.values(root.getFields());
  const fragments: string[] = [];
  const defs: string[] = [];
  const variables: Record<string, unknown> = {};
  let n = 0;

  const selection = (type: GraphQLNamedType, depth: number): string => {
    if (isLeafType(type) || !isObjectType(type)) return '';
    const fields = Object.values(type.getFields());
    // Drawn by name: fc.gen compares what it is handed, and schema objects form cycles.
    const names = g(
      fc.subarray,
      fields.map((f) => f.name),
      { minLength: 1, maxLength: Math.min(4, fields.length) },
    );
    const picked = names.map((name) => type.getFields()[name] as GraphQLField<unknown, unknown>);
    const parts = picked.flatMap((f) => {
      const inner = getNamedType(f.type);
      if (!isLeafType(inner) && depth >= g(fc.integer, { min: 1, max: 5 })) return []; // deep enough
      const alias = g(fc.boolean) && g(fc.boolean) ? `a${n++}: ` : '';
      return [`${alias}${f.name}${isLeafType(inner) ? '' : ` { ${selection(inner, depth + 1) || '__typename'} }`}`];
    });
    if (g(fc.boolean) && g(fc.boolean)) parts.push('__typename');
    const body = parts.join(' ') || '__typename';
    switch (g(fc.integer, { min: 0, max: 5 })) {
      case 0:
        return `... on ${type.name} { ${body} }`;
      case 1: {
        const name = `F${fragments.length}`;
        fragments.push(`fragment ${name} on ${type.name} { ${body} }`);
        return `...${name}`;
      }
      default:
        return body;
    }
  };

  const inlineFields: string[] = [];
  const variableFields: string[] = [];
  const count = g(fc.integer, { min: 1, max: 3 });
  for (let i = 0; i < count; i++) {
    const f = root.getFields()[g(fc.constantFrom, ...rootFields.map((r) => r.name))] as GraphQLField<unknown, unknown>;
    const inlineArgs: string[] = [];
    const varArgs: string[] = [];
    for (const arg of f.args) {
      // Optional arguments are left out now and then; a required one rarely (a validation error).
      if (g(fc.integer, { min: 0, max: isNonNullType(arg.type) ? 20 : 2 }) === 0) continue;
      const v = g(() => value(arg.type));
      inlineArgs.push(`${arg.name}: ${literal(v)}`);
      const name = `v${n++}`;
      // Now and then the variable is declared with a type that does not fit the argument.
      const declared = g(fc.integer, { min: 0, max: 15 }) === 0 ? 'String' : String(arg.type);
      defs.push(`$${name}: ${declared}`);
      variables[name] = v;
      varArgs.push(`${arg.name}: $${name}`);
    }
    const alias = g(fc.boolean) ? `r${i}: ` : '';
    const inner = getNamedType(f.type);
    const sel = isLeafType(inner) ? '' : ` { ${selection(inner, 1)} }`;
    const call = (args: string[]) => `${alias}${f.name}${args.length ? `(${args.join(', ')})` : ''}${sel}`;
    inlineFields.push(call(inlineArgs));
    variableFields.push(call(varArgs));
  }
  const tail = fragments.length ? ` ${fragments.join(' ')}` : '';
  return {
    inline: `${kind} { ${inlineFields.join(' ')} }${tail}`,
    withVariables: `${kind} Op${defs.length ? `(${defs.join(', ')})` : ''} { ${variableFields.join(' ')} }${tail}`,
    variables: JSON.parse(JSON.stringify(variables)),
  };
});

/** The cost of a document that passes GraphQL validation; never negative. */
function checkCost(query: string, variables: Record<string, unknown>): void {
  let doc: ReturnType<typeof parse>;
  try {
    doc = parse(query);
  } catch {
    return;
  }
  if (validate(schema, doc).length > 0) return;
  try {
    expect(queryCost(schema, doc, variables)).toBeGreaterThanOrEqual(0);
  } catch (e) {
    // Variables that do not fit their declared types are the client's error, reported as such.
    if (!(e instanceof GraphQLError && e.extensions.code === 'BAD_USER_INPUT')) throw e;
  }
}

describe('generated operations', () => {
  it('never a 5xx, always JSON, and the cost is never negative', async () => {
    const statuses = new Map<number, number>();
    const codes = new Map<string, number>();
    let sent = 0;
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(operation, fc.boolean(), fc.boolean(), async (op, inlineAnonymous, varsAnonymous) => {
        for (const [body, anonymous] of [
          [{ query: op.inline }, inlineAnonymous],
          [{ query: op.withVariables, variables: op.variables }, varsAnonymous],
        ] as const) {
          const res = await t.app.inject({
            method: 'POST',
            url: '/graphql',
            headers: { 'content-type': 'application/json', ...(anonymous ? {} : keyHeaders) },
            payload: JSON.stringify(body),
          });
          sent++;
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          const where = `${anonymous ? 'anonymous' : 'key'} ${JSON.stringify(body).slice(0, 600)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
          if (res.statusCode >= 500) throw new Error(`5xx: ${where}`);
          expect(String(res.headers['content-type']), where).toMatch(/json/);
          const parsed = JSON.parse(res.body);
          for (const e of parsed.errors ?? []) codes.set(e.extensions?.code, (codes.get(e.extensions?.code) ?? 0) + 1);
          if (parsed.data) codes.set('DATA', (codes.get('DATA') ?? 0) + 1);
          expect(parsed.data !== undefined || Array.isArray(parsed.errors), where).toBe(true);
          if (
            parsed.errors?.some(
              (e: { extensions?: { code?: string } }) => e.extensions?.code === 'INTERNAL_SERVER_ERROR',
            )
          ) {
            throw new Error(`INTERNAL_SERVER_ERROR: ${where}`);
          }
        }
        checkCost(op.inline, {});
        checkCost(op.withVariables, op.variables);
      }),
      // No shrinking: each step is two HTTP requests; the seed and the printed request replay it.
      { seed: SEED, numRuns: 400, endOnFailure: true },
    );
    console.log(
      `[generated-operations.test] ${sent} requests in ${((performance.now() - started) / 1000).toFixed(1)} s, statuses ${JSON.stringify(Object.fromEntries(statuses))} ${JSON.stringify(Object.fromEntries(codes))}`,
    );
    expect(t.logs.filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
  }, 60_000);

  it('the cost function alone: any Int limit, inline or as a variable, beside any lists, is never negative', () => {
    const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    fc.assert(
      fc.property(int32, int32, fc.nat({ max: 14 }), (limit, other, lists) => {
        const siblings = Array.from({ length: lists }, (_, i) => `t${i}: tasks { id }`).join(' ');
        const inline = `{ executions(taskId: "x", limit: ${limit}) { id } publicTasks(limit: ${other}) { total } ${siblings} }`;
        const withVariable = `query($n: Int) { executions(taskId: "x", limit: $n) { id } ${siblings} }`;
        expect(queryCost(schema, parse(inline))).toBeGreaterThanOrEqual(lists * 1000);
        expect(queryCost(schema, parse(withVariable), { n: limit })).toBeGreaterThanOrEqual(lists * 1000);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});

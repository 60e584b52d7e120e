// Issue 27, scopes in the schema: every root field declares who may call it (graphql/access.ts),
// the SDL says it with @authenticated / @requiresScopes, and what the gateway enforces agrees
// with the declaration — walked over EVERY root field, executed as an anonymous caller, as an
// API key with no scope and as a key holding exactly the declared scopes (so the services'
// own checks, which REST shares, cannot ask for more or other than the SDL says).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  buildSchema,
  execute,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type OperationTypeNode,
  parse,
  subscribe,
  type ValueNode,
  valueFromASTUntyped,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS, SCOPES, type Scope, type Viewer } from '../../src/auth/viewer.js';
import { isAppError } from '../../src/errors.js';
import { type AccessRule, accessOf } from '../../src/graphql/access.js';
import { graphqlContext } from '../../src/graphql/context.js';
import { gatewaySchema, resolverContainer } from '../../src/plugins/resolvers.js';
import { findUserByClerkId } from '../../src/users/users.repository.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeClerk, startFakeClerk } from '../helpers/fake-clerk.js';
import { clerkEnv, signIn } from '../helpers/identity.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
let keyViewer: (scopes: readonly Scope[]) => Viewer;

beforeAll(async () => {
  [tdb, clerk] = await Promise.all([createTestDatabase(), startFakeClerk()]);
  t = await startApp(tdb, { env: clerkEnv(clerk, { RATE_LIMIT_GRAPHQL_POINTS: '0' }) });
  const u = await signIn(t.app, clerk);
  const user = await findUserByClerkId(t.database.db, u.clerkUserId);
  if (!user) throw new Error('user not synced');
  keyViewer = (scopes) => ({
    kind: 'api-key',
    clerkUserId: u.clerkUserId,
    apiKeyId: randomUUID(),
    user,
    scopes,
    expiresAt: null,
    replaced: false,
  });
});
afterAll(async () => {
  await t?.close();
  await clerk?.close();
  await tdb?.drop();
});

/** A value of an input type that passes GraphQL's own coercion. */
function sample(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sample(type.ofType);
  if (isListType(type)) return [sample(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0]?.name; // variables carry the enum name
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    for (const f of Object.values(type.getFields())) if (isNonNullType(f.type)) out[f.name] = sample(f.type);
    return out;
  }
  switch (type.name) {
    case 'ID':
      return randomUUID();
    case 'Int':
      return 1;
    case 'Boolean':
      return false;
    case 'String':
      return 'probe@example.com';
    default:
      return {};
  }
}

type Outcome = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'passed';

/** Runs `kind.field` once as `viewer`: refused for credentials or scope, or past that gate. */
async function probe(kind: 'query' | 'mutation' | 'subscription', f: GraphQLField<unknown, unknown>, viewer: Viewer) {
  const schema = await gatewaySchema();
  const required = f.args.filter((a) => isNonNullType(a.type));
  const defs = required.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const args = required.map((a) => `${a.name}: $${a.name}`).join(', ');
  const sel = isLeafType(getNamedType(f.type)) ? '' : ' { __typename }';
  const document = parse(`${kind}${defs ? `(${defs})` : ''} { ${f.name}${args ? `(${args})` : ''}${sel} }`);
  const variableValues = Object.fromEntries(required.map((a) => [a.name, sample(a.type)]));
  const contextValue = graphqlContext(resolverContainer(t.container.services), viewer, {
    ip: '127.0.0.1',
    headers: {},
  });
  let errors: readonly { originalError?: unknown; extensions?: Record<string, unknown> }[] | undefined;
  if (kind === 'subscription') {
    const r = await subscribe({ schema, document, contextValue, variableValues });
    if (Symbol.asyncIterator in r) await r.return?.();
    else errors = r.errors;
  } else {
    errors = (await execute({ schema, document, contextValue, variableValues })).errors;
  }
  const e = errors?.[0];
  const code = isAppError(e?.originalError) ? e.originalError.code : e?.extensions?.code;
  if (process.env.ACCESS_DISCOVERY)
    console.log(
      'DISCOVER',
      f.name,
      viewer.kind,
      viewer.kind === 'api-key' ? viewer.scopes.join('+') : '',
      code,
      e?.originalError instanceof Error ? (e.originalError as { extensions?: unknown }).extensions : '',
    );
  return (code === 'UNAUTHENTICATED' || code === 'FORBIDDEN' ? code : 'passed') as Outcome;
}

const KINDS = ['query', 'mutation', 'subscription'] as const;

async function rootFields() {
  const schema = await gatewaySchema();
  return KINDS.flatMap((kind) => {
    const root = schema.getRootType(kind as OperationTypeNode) as GraphQLObjectType;
    return Object.values(root.getFields()).map((f) => ({ kind, f, name: `${root.name}.${f.name}` }));
  });
}

describe('access declarations', () => {
  it('every root field declares its access; no other field declares one', async () => {
    const schema = await gatewaySchema();
    const fields = await rootFields();
    expect(fields.length).toBeGreaterThanOrEqual(40);
    expect(fields.filter((r) => !accessOf(r.f)).map((r) => r.name)).toEqual([]);
    const roots = new Set(KINDS.map((k) => schema.getRootType(k as OperationTypeNode)));
    const elsewhere = Object.values(schema.getTypeMap())
      .filter((type): type is GraphQLObjectType => isObjectType(type) && !roots.has(type))
      .flatMap((type) =>
        Object.values(type.getFields())
          .filter((f) => accessOf(f))
          .map((f) => `${type.name}.${f.name}`),
      );
    expect(elsewhere).toEqual([]);
  });

  it('the committed SDL says each declaration', async () => {
    const sdl = readFileSync('schema/schema.graphql', 'utf8');
    const committed = buildSchema(sdl);
    for (const { kind, f, name } of await rootFields()) {
      const rule = accessOf(f) as AccessRule;
      const node = committed.getRootType(kind as OperationTypeNode)?.getFields()[f.name]?.astNode;
      expect(node, name).toBeDefined();
      const directives = node?.directives ?? [];
      expect(
        directives.some((d) => d.name.value === 'authenticated'),
        name,
      ).toBe(rule.authenticated);
      const scopes = directives.find((d) => d.name.value === 'requiresScopes');
      expect(scopes ? valueFromASTUntyped(scopes.arguments?.[0]?.value as ValueNode) : undefined, name).toEqual(
        rule.anyOf,
      );
      const policy = directives.find((d) => d.name.value === 'policy');
      expect(policy ? valueFromASTUntyped(policy.arguments?.[0]?.value as ValueNode) : undefined, name).toEqual(
        rule.admin ? [['admin']] : undefined,
      );
    }
    // A client reads it there: the dashboard's task list needs a key with tasks:read.
    expect(sdl).toMatch(
      /^ {2}tasks\(state: TaskState\): \[Task!\]! .*@requiresScopes\(scopes: \[\["tasks:read"\]\]\) @authenticated/m,
    );
  });

  it('enforcement agrees with every declaration (anonymous, a key without scopes, a key with exactly the declared ones)', async () => {
    const disagree: string[] = [];
    let probes = 0;
    for (const { kind, f, name } of await rootFields()) {
      const rule = accessOf(f) as AccessRule;
      const anonymous = await probe(kind, f, ANONYMOUS);
      if ((anonymous === 'UNAUTHENTICATED') !== rule.authenticated) disagree.push(`${name} anonymous: ${anonymous}`);
      const bare = await probe(kind, f, keyViewer([]));
      // Admin fields refuse every key (keys are never admin); scoped fields a key without the scope.
      if ((bare === 'FORBIDDEN') !== Boolean(rule.anyOf || rule.admin))
        disagree.push(`${name} key without scopes: ${bare}`);
      if (rule.admin) {
        const full = await probe(kind, f, keyViewer(SCOPES));
        if (full !== 'FORBIDDEN') disagree.push(`${name} key with every scope: ${full}`);
        probes++;
      }
      probes += 2;
      for (const scopes of rule.anyOf ?? []) {
        const exact = await probe(kind, f, keyViewer(scopes));
        if (exact !== 'passed') disagree.push(`${name} key with ${scopes.join('+')}: ${exact}`);
        probes++;
      }
      // Every other single scope: refused (a service asking for another scope than declared shows here).
      for (const s of SCOPES) {
        if (!rule.anyOf || rule.anyOf.some((a) => a.length === 1 && a[0] === s)) continue;
        const other = await probe(kind, f, keyViewer([s]));
        if (other !== 'FORBIDDEN') disagree.push(`${name} key with only ${s}: ${other}`);
        probes++;
      }
    }
    expect(probes).toBeGreaterThan(150);
    expect(disagree).toEqual([]);
  }, 120_000);
});

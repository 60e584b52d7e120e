// Issue 27, cost in the schema: the weights and list sizes the limit uses are the @cost /
// @listSize directives of schema/schema.graphql (IBM cost spec), every list says its size,
// and every answer shows the cost and the caller's budget — `extensions.cost`, the
// `rateLimit` field and the RateLimit-* headers — with the same numbers.
import { readFileSync } from 'node:fs';
import {
  buildSchema,
  type GraphQLObjectType,
  getNamedType,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declaredListSize } from '../../src/graphql/directives.js';
import { queryCost } from '../../src/graphql/limits.js';
import { gatewaySchema } from '../../src/plugins/resolvers.js';
import { gqlRaw } from '../api-keys/helpers.js';
import { bearer, startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeClerk, startFakeClerk } from '../helpers/fake-clerk.js';
import { clerkEnv, createKey, signIn } from '../helpers/identity.js';

describe('cost directives', () => {
  it('every list of objects declares its size, itself or through its parent’s sizedFields', async () => {
    const schema = await gatewaySchema();
    const types = Object.values(schema.getTypeMap()).filter(
      (t): t is GraphQLObjectType => isObjectType(t) && !t.name.startsWith('__'),
    );
    const sizedByParent = new Set<string>();
    for (const t of types) {
      for (const f of Object.values(t.getFields())) {
        const size = declaredListSize(f);
        for (const name of size?.sizedFields ?? []) {
          const child = getNamedType(f.type) as GraphQLObjectType;
          expect(child.getFields()[name], `${t.name}.${f.name} sizes ${name}`).toBeDefined();
          sizedByParent.add(`${child.name}.${name}`);
        }
      }
    }
    const undeclared: string[] = [];
    let lists = 0;
    for (const t of types) {
      for (const f of Object.values(t.getFields())) {
        const type = isNonNullType(f.type) ? f.type.ofType : f.type;
        if (!isListType(type) || !isCompositeType(getNamedType(type))) continue;
        lists++;
        const name = `${t.name}.${f.name}`;
        if (!declaredListSize(f) && !sizedByParent.has(name)) undeclared.push(name);
      }
    }
    expect(lists).toBeGreaterThan(10);
    expect(undeclared).toEqual([]);
  });

  it('the committed SDL carries the directives, and costs computed from it are the limit’s', async () => {
    const sdl = readFileSync('schema/schema.graphql', 'utf8');
    expect(sdl).toMatch(/^directive @cost\(weight: Int!\)/m);
    expect(sdl).toMatch(/tasks\(state: TaskState\): \[Task!\]! @listSize\(assumedSize: 1000\)/);
    const fromSdl = buildSchema(sdl);
    const live = await gatewaySchema();
    const queries = [
      '{ tasks { id lastExecution { id } notifications { type } } }',
      '{ publicTasks(limit: 7) { total tasks { id lastExecution { id } } } }',
      '{ securityEvents(first: 5) { edges { node { id } } pageInfo { hasNextPage } } }',
      '{ webhookDeliveries(taskId: "x", first: 3) { edges { node { id attempts { at } } } } }',
      'mutation { markWelcomeSeen }',
      '{ apiKeys { id scopes } templates { id } me { id } }',
    ];
    const costs = queries.map((q) => queryCost(live, parse(q)));
    expect(queries.map((q) => queryCost(fromSdl, parse(q)))).toEqual(costs);
    // The spec's arithmetic: objects 1, scalars 0, lists × size, sizedFields, mutation +10.
    expect(costs).toEqual([4000, 1 + 7 * 2, 1 + 5 * 2 + 1, 1 + 3 * (1 + 1 + 20), 10, 10 + 10 + 1]);
  });
});

let tdb: TestDatabase;
let clerk: FakeClerk;
let app: TestApp;
const POINTS = 100;

beforeAll(async () => {
  [tdb, clerk] = await Promise.all([createTestDatabase(), startFakeClerk()]);
  const env = clerkEnv(clerk, { RATE_LIMIT_GRAPHQL_POINTS: String(POINTS), RATE_LIMIT_SYNC_MS: '10000' });
  app = await startApp(tdb, { env });
});
afterAll(async () => {
  await app?.close();
  await clerk?.close();
  await tdb?.drop();
});

describe('extensions.cost, rateLimit and the RateLimit-* headers', () => {
  it('agree on every answer of a sequence, the refused one included', async () => {
    const u = await signIn(app.app, clerk);
    const { key } = await createKey(app.app, u.headers);
    const rl = 'rateLimit { limit cost remaining resetAt }';
    const sequence = [
      `{ me { id } ${rl} }`,
      `{ publicTasks(limit: 20) { tasks { id lastExecution { id } } } ${rl} }`,
      `{ ${rl} }`,
      `{ securityEvents(first: 10) { edges { node { id } } } ${rl} }`,
    ];
    let left = POINTS;
    for (const q of sequence) {
      const before = Date.now();
      const r = await gqlRaw(app.app, q, {}, bearer(key));
      expect(r.status, r.raw).toBe(200);
      const cost = r.body.extensions.cost;
      const limit = r.body.data.rateLimit;
      expect(cost.requestedQueryCost).toBe(queryCost(await gatewaySchema(), parse(q)));
      left -= cost.requestedQueryCost;
      expect(cost).toMatchObject({ maximumAvailable: POINTS, currentlyAvailable: left, restoreRate: POINTS });
      expect(limit).toMatchObject({ limit: POINTS, cost: cost.requestedQueryCost, remaining: left });
      expect(r.headers['ratelimit-limit']).toBe(String(POINTS));
      expect(r.headers['ratelimit-remaining']).toBe(String(left));
      expect(limit.resetAt).toBe(cost.resetAt);
      const resetIn = (Date.parse(limit.resetAt) - before) / 1000;
      expect(Math.abs(Number(r.headers['ratelimit-reset']) - resetIn)).toBeLessThanOrEqual(1);
    }
    expect(left).toBeLessThan(POINTS - 40);
    // More than what is left: 429, nothing charged, and the three still agree.
    const big = await gqlRaw(app.app, `{ publicTasks(limit: 100) { tasks { id } } ${rl} }`, {}, bearer(key));
    expect(big.status).toBe(429);
    expect(big.body.extensions.cost).toMatchObject({ requestedQueryCost: 102, currentlyAvailable: left });
    expect(big.headers['ratelimit-remaining']).toBe(String(left));
  });

  it('without credentials: the cost, no budget, rateLimit null', async () => {
    const r = await gqlRaw(app.app, '{ publicTasks(limit: 5) { tasks { id } } rateLimit { remaining } }');
    expect(r.status, r.raw).toBe(200);
    expect(r.body.extensions.cost).toEqual({ requestedQueryCost: 1 + 5 + 1 });
    expect(r.body.data.rateLimit).toBeNull();
    expect(r.headers['ratelimit-limit']).toBeUndefined();
  });
});

// Arguments that decide how much work a request does are checked against the documented
// ranges (the TypeBox schemas in tasks.schemas.ts) before anything runs, the cost of a
// document is never negative, and odd input (NUL bytes, huge offsets, out-of-range Int
// variables, a wrong APQ hash) is a 4xx, never a 500.
import { createHash } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS, queryCost } from '../../src/graphql/limits.js';
import { gatewaySchema as getSchema } from '../../src/plugins/resolvers.js';
import { bearer, type TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { createKey, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
let headers: Record<string, string>;
let taskId: string;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway({ env: { ANONYMOUS_LIMIT_PER_MINUTE: '100000' } }));
  const u = await signIn(t.app, clerk);
  headers = bearer((await createKey(t.app, u.headers)).key);
  taskId = (await rest(t.app, 'POST', '/api/v1/tasks', headers, { name: 'target', search_query: 'q' })).body.id;
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

async function post(body: unknown, h: Record<string, string> = {}) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { 'content-type': 'application/json', ...h },
    payload: JSON.stringify(body),
  });
  return { status: res.statusCode, body: res.json(), raw: res.body };
}

/** SQL statements and executions a request caused, beyond what authenticating it costs. */
async function work(body: unknown, h: Record<string, string> = {}) {
  const measure = async (b: unknown) => {
    const sql = t.database.stats.queries;
    const executions = t.container.metrics.counts.graphqlExecutions;
    const res = await post(b, h);
    // graphql-js answers as soon as a non-null root field fails, while its sibling resolvers
    // are still running: let them finish before counting.
    await setTimeout(150);
    return {
      res,
      sql: t.database.stats.queries - sql,
      executions: t.container.metrics.counts.graphqlExecutions - executions,
    };
  };
  const auth = await measure({ query: '{' }); // a parse error: authentication only
  const m = await measure(body);
  return { ...m, sql: m.sql - auth.sql };
}

const TASK_FIELDS =
  'id userId name searchQuery conditionDescription state nextRun isPublic viewCount subscriberCount forkedFromTaskId lastExecutionId stateChangedAt createdAt updatedAt notifications { type address url method headers }';
const EXECUTION_FIELDS =
  'id taskId status startedAt completedAt result errorMessage notification groundingSources createdAt';
const fourteenTaskLists = Array.from(
  { length: 14 },
  (_, i) => `t${i}: tasks { ${TASK_FIELDS} lastExecution { ${EXECUTION_FIELDS} } }`,
).join(' ');

describe('finding 1: list arguments outside their range', () => {
  it('the cost bypass (executions limit −2³¹ beside fourteen task lists) runs nothing: 400, no SQL', async () => {
    const query = `{ executions(taskId: "${taskId}", limit: -2147483648) { id } ${fourteenTaskLists} }`;
    const w = await work({ query }, headers);
    console.log(`[graphql-arguments.test] bypass query: ${w.sql} SQL statements, HTTP ${w.res.status}`);
    expect(queryCost(await getSchema(), parse(query), {})).toBeGreaterThan(LIMITS.maxCost);
    expect(w.res.status, w.res.raw).toBe(400);
    expect(w.res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(w.res.body.errors[0].message).toMatch(/limit/);
    expect(w.sql).toBe(0);
    expect(w.executions).toBe(0);
  });

  it('anonymous publicTasks(limit: −N) beside expensive lists runs nothing', async () => {
    const lists = Array.from(
      { length: 14 },
      (_, i) =>
        `p${i}: publicTasksConnection(first: 100) { edges { node { ${TASK_FIELDS} lastExecution { ${EXECUTION_FIELDS} } notifications { type } } } }`,
    ).join(' ');
    const query = `{ n: publicTasks(limit: -2147483648) { tasks { ${TASK_FIELDS} } } ${lists} }`;
    const w = await work({ query });
    console.log(`[graphql-arguments.test] anonymous publicTasks bypass: ${w.sql} SQL statements, HTTP ${w.res.status}`);
    expect(queryCost(await getSchema(), parse(query), {})).toBeGreaterThan(LIMITS.maxCost);
    expect(w.res.status, w.res.raw).toBe(400);
    expect(w.res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(w.sql).toBe(0);
    expect(w.executions).toBe(0);
  });

  it.each([
    ['executions limit 0', `{ executions(taskId: "${'TASK'}", limit: 0) { id } }`],
    ['executions limit 501', `{ executions(taskId: "${'TASK'}", limit: 501) { id } }`],
    ['publicTasks limit 0', '{ publicTasks(limit: 0) { total } }'],
    ['publicTasks limit 101', '{ publicTasks(limit: 101) { total } }'],
    ['publicTasks offset −1', '{ publicTasks(offset: -1) { total } }'],
    ['publicTasks offset 2³¹−1', '{ publicTasks(offset: 2147483647) { total } }'],
    ['in a fragment', '{ ...F } fragment F on Query { a: publicTasks { total } b: publicTasks(limit: -1) { total } }'],
    ['in an inline fragment', '{ ... on Query { publicTasks(limit: 1000) { total } } }'],
  ])('%s: 400 BAD_USER_INPUT before anything runs', async (_, q) => {
    const w = await work({ query: q.replace('TASK', taskId) }, headers);
    expect(w.res.status, w.res.raw).toBe(400);
    expect(w.res.body.errors).toHaveLength(1);
    expect(w.res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(w.res.body.data).toBeUndefined();
    expect(w.sql).toBe(0);
    expect(w.executions).toBe(0);
  });

  it('through variables too, and the ranges are the documented ones (inclusive)', async () => {
    const query =
      'query Q($id: ID!, $n: Int, $o: Int) { executions(taskId: $id, limit: $n) { id } publicTasks(offset: $o) { total } }';
    for (const [n, o, status] of [
      [1, 0, 200],
      [500, 1_000_000, 200],
      [-2, 0, 400],
      [501, 0, 400],
      [1, -1, 400],
      [1, 1_000_001, 400],
    ] as const) {
      const w = await work({ query, variables: { id: taskId, n, o } }, headers);
      expect(w.res.status, `${n} ${o}: ${w.res.raw}`).toBe(status);
      if (status === 400) {
        expect(w.res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
        expect(w.sql).toBe(0);
      }
    }
  });

  it('a @skip-ped field is not checked (it does not run)', async () => {
    const res = await post({ query: '{ publicTasks(limit: -1) @skip(if: true) { total } me: __typename }' });
    expect(res.status, res.raw).toBe(200);
  });

  it('the cost never goes below the cost of the fields themselves', async () => {
    const schema = await getSchema();
    const one = queryCost(schema, parse('{ publicTasks(limit: 1) { total } }'), {});
    for (const limit of [-2147483648, -1, 0]) {
      expect(queryCost(schema, parse(`{ publicTasks(limit: ${limit}) { total } }`), {})).toBeGreaterThanOrEqual(one);
    }
    const big = `query($n: Int) { executions(taskId: "x", limit: $n) { id } ${fourteenTaskLists} }`;
    expect(queryCost(schema, parse(big), { n: -2147483648 })).toBeGreaterThan(LIMITS.maxCost);
  });
});

describe('finding 8: odd input is a 4xx', () => {
  it('a NUL byte in name or search_query is a 422 over REST', async () => {
    for (const body of [{ name: 'a\u0000b', search_query: 'q' }, { search_query: 'q\u0000' }]) {
      const res = await rest(t.app, 'POST', '/api/v1/tasks', headers, body);
      expect(res.status, res.raw).toBe(422);
      expect(res.body.detail[0]).toMatchObject({
        type: 'string_pattern_mismatch',
        msg: 'String should not contain NUL characters',
      });
    }
    const upd = await rest(t.app, 'PUT', `/api/v1/tasks/${taskId}`, headers, { condition_description: '\u0000' });
    expect(upd.status, upd.raw).toBe(422);
  });

  it('a NUL byte in createTask is BAD_USER_INPUT over GraphQL', async () => {
    for (const input of [{ name: 'a\u0000b', searchQuery: 'q' }, { searchQuery: '\u0000' }]) {
      const res = await post(
        { query: 'mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }', variables: { input } },
        headers,
      );
      expect(res.status, res.raw).toBeLessThan(500);
      expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(res.body.errors[0].message).toMatch(/NUL/);
    }
  });

  it('a huge offset is a 422 over REST and a 400 over GraphQL', async () => {
    const res = await rest(t.app, 'GET', '/api/v1/public/tasks?offset=9223372036854775807', {});
    expect(res.status, res.raw).toBe(422);
    expect(res.body.detail[0]).toMatchObject({ type: 'less_than_equal', loc: ['query', 'offset'] });
    expect((await rest(t.app, 'GET', '/api/v1/public/tasks?offset=1000000', {})).status).toBe(200);
    expect((await rest(t.app, 'GET', '/api/v1/public/tasks?offset=1000001', {})).status).toBe(422);
  });

  it('an Int variable out of range is a 400 BAD_USER_INPUT and not logged as an error', async () => {
    const logged = t.logs.length;
    const w = await work(
      {
        query: 'query($id: ID!, $limit: Int) { executions(taskId: $id, limit: $limit) { id } }',
        variables: { id: taskId, limit: 3_000_000_000 },
      },
      headers,
    );
    expect(w.res.status, w.res.raw).toBe(400);
    expect(w.res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(w.res.body.errors[0].message).toMatch(/\$limit/);
    expect(w.sql).toBe(0);
    expect(t.logs.slice(logged).filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
  });

  it('an APQ hash that does not match the query is a 400 BAD_USER_INPUT', async () => {
    const logged = t.logs.length;
    const query = '{ __typename }';
    const wrong = createHash('sha256').update('something else').digest('hex');
    const res = await post({ query, extensions: { persistedQuery: { version: 1, sha256Hash: wrong } } });
    expect(res.status, res.raw).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors[0].message).toMatch(/sha/);
    const version = await post({ query, extensions: { persistedQuery: { version: 2, sha256Hash: wrong } } });
    expect(version.status, version.raw).toBe(400);
    expect(version.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(t.logs.slice(logged).filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
  });
});

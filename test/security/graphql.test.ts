// GraphQL requests are bounded before any resolver or SQL runs; CSRF-prone requests are
// refused; production answers disclose nothing.
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let tdb: TestDatabase;
let t: TestApp;
let prod: TestApp;
let unset: TestApp;

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await startApp(tdb);
  prod = await startApp(tdb, {
    env: { NODE_ENV: 'production', DATABASE_URL: 'postgres://unused@127.0.0.1/unused', CLERK_SECRET_KEY: 'sk_test_x' },
  });
  unset = await startApp(tdb, { env: { NODE_ENV: undefined } });
});
afterAll(async () => {
  for (const a of [t, prod, unset]) await a?.close();
  await tdb?.drop();
});

async function post(app: TestApp, body: unknown, headers: Record<string, string> = {}) {
  const res = await app.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.statusCode, body: res.json(), raw: res.body };
}

/** Runs a request and asserts that nothing was executed and no SQL was sent. */
async function rejectedEarly(body: unknown) {
  const sql = t.database.stats.queries;
  const executions = t.container.metrics.counts.graphqlExecutions;
  const res = await post(t, body);
  expect(res.status, res.raw).toBe(400);
  expect(res.body.errors?.length).toBeGreaterThan(0);
  expect(t.database.stats.queries).toBe(sql);
  expect(t.container.metrics.counts.graphqlExecutions).toBe(executions);
  return res;
}

const TASK_FIELDS =
  'id userId name searchQuery conditionDescription state nextRun isPublic viewCount subscriberCount forkedFromTaskId lastExecutionId stateChangedAt createdAt updatedAt notifications { type address url method headers }';

describe('limits, enforced before execution', () => {
  it('a legitimate public query runs (and is counted)', async () => {
    const before = t.container.metrics.counts.graphqlExecutions;
    const res = await post(t, { query: `{ publicTasks(limit: 5) { total tasks { ${TASK_FIELDS} } } }` });
    expect(res.status).toBe(200);
    expect(res.body.data.publicTasks.total).toBe(0);
    expect(t.container.metrics.counts.graphqlExecutions).toBe(before + 1);
  });

  it('GraphiQL’s own introspection query is allowed', async () => {
    const res = await post(t, { query: getIntrospectionQuery() });
    expect(res.status).toBe(200);
    expect(res.body.data.__schema.queryType.name).toBe('Query');
  });

  it('too deep', async () => {
    let q = 'name';
    for (let i = 0; i < 8; i++) q = `fields { type { ${q} } }`;
    const res = await rejectedEarly({ query: `{ __schema { types { ${q} } } }` });
    expect(res.body.errors[0].message).toMatch(/depth/i);
  });

  it('too many aliases', async () => {
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: publicTasks { total }`).join(' ');
    const res = await rejectedEarly({ query: `{ ${aliases} }` });
    expect(res.body.errors[0].message).toMatch(/alias/i);
  });

  it('too many tokens (duplicated fields)', async () => {
    const res = await rejectedEarly({ query: `{ publicTasks { ${'total '.repeat(3000)} } }` });
    expect(res.body.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(res.body.errors[0].message).toMatch(/token/i);
  });

  it('too many directives', async () => {
    const res = await rejectedEarly({ query: `{ publicTasks ${'@include(if: true) '.repeat(11)} { total } }` });
    expect(res.body.errors[0].message).toMatch(/directive/i);
  });

  it('fragment cycles', async () => {
    const res = await rejectedEarly({
      query: 'query { ...A } fragment A on Query { ...B } fragment B on Query { publicTasks { total } ...A }',
    });
    expect(res.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('query cost is computed with the variables', async () => {
    const query = `query Big($n: Int) { ${Array.from(
      { length: 15 },
      (_, i) =>
        `p${i}: publicTasksConnection(first: $n) { edges { node { ${TASK_FIELDS} notifications { type } lastExecution { id taskId status startedAt completedAt result errorMessage notification groundingSources createdAt } } } }`,
    ).join(' ')} }`;
    const small = await post(t, { query, variables: { n: 1 } });
    expect(small.status).toBe(200);
    const res = await rejectedEarly({ query, variables: { n: 100 } });
    expect(res.body.errors[0].message).toMatch(/too expensive/);
    expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('batched HTTP requests are refused', async () => {
    const res = await rejectedEarly([{ query: '{ publicTasks { total } }' }, { query: '{ publicTasks { total } }' }]);
    expect(res.raw).toMatch(/batch/i);
  });
});

describe('CSRF', () => {
  it('mutations over GET are refused', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/graphql?query=${encodeURIComponent('mutation { markWelcomeSeen }')}`,
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(res.statusCode).toBe(405);
    expect(res.json().errors[0].message).toMatch(/only support query/);
  });

  it('GET queries without a preflight-forcing header are refused', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/graphql?query=${encodeURIComponent('{ publicTasks { total } }')}`,
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/Cross-Site Request Forgery/);
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    'simple content type %s is refused with a JSON 4xx',
    async (type) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { 'content-type': type },
        payload: '{"query":"mutation { markWelcomeSeen }"}',
      });
      expect(res.statusCode).toBe(415);
      expect(res.headers['content-type']).toContain('json');
      expect(res.json().errors[0].message).toBeTruthy();
    },
  );
});

describe('production defaults', () => {
  for (const [name, app] of [
    ['NODE_ENV=production', () => prod],
    ['NODE_ENV unset', () => unset],
  ] as const) {
    it(`${name}: no stack traces, SQL or file paths; no field suggestions`, async () => {
      const typo = await post(app(), { query: '{ publicTaskz { total } }' });
      expect(typo.status).toBe(400);
      expect(typo.raw).not.toMatch(/Did you mean/);
      expect(typo.raw).not.toMatch(/stacktrace|\/work\/|node_modules|\.ts:\d+/);
      const bad = await post(app(), '{"query": "{ me { id } }", "variables": "{}"}');
      expect(bad.status).toBe(400);
      expect(bad.raw).not.toMatch(/stacktrace|\/work\/|node_modules/);
      const rest = await app().app.inject({ method: 'GET', url: '/api/v1/tasks/not-a-uuid' });
      expect(rest.body).not.toMatch(/stack|select |\/work\//i);
    });
  }

  it('introspection is off in production unless configured', async () => {
    const res = await post(prod, { query: '{ __schema { queryType { name } } }' });
    expect(res.status).toBe(400);
    expect(res.raw).toMatch(/introspection/i);
    const on = await startApp(tdb, {
      env: {
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://unused@127.0.0.1/unused',
        CLERK_SECRET_KEY: 'sk_test_x',
        GRAPHQL_INTROSPECTION: '1',
      },
    });
    try {
      expect((await post(on, { query: '{ __schema { queryType { name } } }' })).status).toBe(200);
    } finally {
      await on.close();
    }
  });
});

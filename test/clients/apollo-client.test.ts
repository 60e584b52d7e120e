// The dashboard's client for real: @apollo/client (core) against a gateway on a real port,
// with the typed documents from codegen, automatic persisted queries and CORS.
import { createHash } from 'node:crypto';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiKeysDocument,
  CreateApiKeyDocument,
  CreateTaskDocument,
  MeDocument,
  RevokeApiKeyDocument,
  SyncUserDocument,
  TasksDocument,
  UpdateTaskDocument,
} from '../gql/graphql.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeClerk, startFakeClerk } from '../helpers/fake-clerk.js';
import { clerkEnv } from '../helpers/identity.js';

const DASHBOARD = 'http://dashboard.torale.test';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
const graphqlBodies: { query?: string; extensions?: unknown }[] = [];

beforeAll(async () => {
  [tdb, clerk] = await Promise.all([createTestDatabase(), startFakeClerk()]);
  t = await startApp(tdb, {
    env: clerkEnv(clerk, { CORS_ORIGINS: DASHBOARD }),
    listen: true,
    beforeReady: (app) => {
      app.addHook('preHandler', async (req) => {
        if (req.url.startsWith('/graphql') && req.method === 'POST') graphqlBodies.push(req.body as never);
      });
    },
  });
});
afterAll(async () => {
  await t?.close();
  await clerk?.close();
  await tdb?.drop();
});

function client(token: () => string, opts: { persisted?: boolean } = {}) {
  const auth = new ApolloLink((operation, forward) => {
    operation.setContext(({ headers = {} }: { headers?: Record<string, string> }) => ({
      headers: { ...headers, authorization: `Bearer ${token()}` },
    }));
    return forward(operation);
  });
  const http = new HttpLink({ uri: `${t.url}/graphql`, headers: { origin: DASHBOARD } });
  const links = opts.persisted
    ? [auth, new PersistedQueryLink({ sha256: (q: string) => createHash('sha256').update(q).digest('hex') }), http]
    : [auth, http];
  return new ApolloClient({
    link: ApolloLink.from(links),
    cache: new InMemoryCache(),
    clientAwareness: { name: 'torale-dashboard', version: 'test' },
    defaultOptions: { query: { fetchPolicy: 'network-only' } },
  });
}

describe('Apollo Client against a running gateway', () => {
  it('signs in with Clerk, syncs, manages a key and tasks, and reads extensions.code on errors', async () => {
    clerk.addUser({ id: 'user_apollo', email: 'apollo@example.com', firstName: 'Ada', role: 'developer' });
    const token = await clerk.token('user_apollo', { expiresInSeconds: 600 });
    const c = client(() => token);

    const sync = await c.mutate({ mutation: SyncUserDocument });
    expect(sync.data?.syncUser.created).toBe(true);
    const me = await c.query({ query: MeDocument });
    expect(me.data?.me.email).toBe('apollo@example.com');

    const created = await c.mutate({ mutation: CreateApiKeyDocument, variables: { name: 'dashboard key' } });
    const key = created.data!.createApiKey.key;
    expect(key).toMatch(/^sk_[A-Za-z0-9]{32}$/);

    // The key works through Apollo Client too.
    const viaKey = client(() => key);
    expect((await viaKey.query({ query: MeDocument })).data?.me.email).toBe('apollo@example.com');

    const task = await c.mutate({
      mutation: CreateTaskDocument,
      variables: { input: { name: 'From the dashboard', searchQuery: 'When is the next iPhone release?' } },
    });
    expect(task.data?.createTask.state).toBe('ACTIVE');
    const paused = await c.mutate({
      mutation: UpdateTaskDocument,
      variables: { id: task.data!.createTask.id, input: { state: 'PAUSED' } },
    });
    expect(paused.data?.updateTask.state).toBe('PAUSED');
    const list = await c.query({ query: TasksDocument, variables: {} });
    expect(list.data?.tasks.map((x) => x.name)).toEqual(['From the dashboard']);

    // A rule broken: the error arrives as CombinedGraphQLErrors with the contract's code.
    const bad = c.mutate({
      mutation: UpdateTaskDocument,
      variables: { id: task.data!.createTask.id, input: { state: 'COMPLETED' } },
    });
    await expect(bad).rejects.toSatisfy(
      (e: unknown) =>
        CombinedGraphQLErrors.is(e) &&
        e.errors[0]?.extensions?.code === 'BAD_USER_INPUT' &&
        e.errors[0]?.message === 'Invalid state transition: Cannot transition from paused to completed',
    );

    const revoked = await c.mutate({
      mutation: RevokeApiKeyDocument,
      variables: { id: created.data!.createApiKey.keyInfo.id },
    });
    expect(revoked.data?.revokeApiKey.isActive).toBe(false);
    // A 401 from the authentication step still reaches Apollo Client as a GraphQL error.
    await expect(viaKey.query({ query: MeDocument })).rejects.toSatisfy(
      (e: unknown) =>
        CombinedGraphQLErrors.is(e) &&
        e.errors[0]?.extensions?.code === 'UNAUTHENTICATED' &&
        e.errors[0]?.message === 'Invalid API key',
    );
    const keys = await c.query({ query: ApiKeysDocument });
    expect(keys.data?.apiKeys.map((k) => k.isActive)).toEqual([false]);
  });

  it('automatic persisted queries: after the first request, only the hash is sent', async () => {
    clerk.addUser({ id: 'user_apq', email: 'apq@example.com', role: 'developer' });
    const token = await clerk.token('user_apq', { expiresInSeconds: 600 });
    await client(() => token).mutate({ mutation: SyncUserDocument });
    const c = client(() => token, { persisted: true });
    graphqlBodies.length = 0;
    for (let i = 0; i < 3; i++) {
      const r = await c.query({ query: MeDocument });
      expect(r.data?.me.email).toBe('apq@example.com');
    }
    // 1st: hash only → PERSISTED_QUERY_NOT_FOUND; 2nd: hash + query; then hash only.
    expect(graphqlBodies.map((b) => typeof b.query === 'string')).toEqual([false, true, false, false]);
    expect(graphqlBodies.every((b) => JSON.stringify(b.extensions).includes('persistedQuery'))).toBe(true);
  });
});

describe('CORS for the dashboard origin', () => {
  it('answers the preflight with Apollo’s client-awareness headers allowed', async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'OPTIONS',
      headers: {
        origin: DASHBOARD,
        'access-control-request-method': 'POST',
        'access-control-request-headers':
          'authorization,content-type,apollographql-client-name,apollographql-client-version',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    const allowed = res.headers.get('access-control-allow-headers') ?? '';
    for (const h of ['authorization', 'content-type', 'apollographql-client-name', 'apollographql-client-version']) {
      expect(allowed).toContain(h);
    }
  });

  it('does not allow other origins', async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await fetch(`${t.url}/auth/me`, { headers: { origin: 'https://evil.example' } });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('error responses carry the CORS headers so the dashboard can read them', async () => {
    const res = await fetch(`${t.url}/auth/me`, { headers: { origin: DASHBOARD } });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
  });
});

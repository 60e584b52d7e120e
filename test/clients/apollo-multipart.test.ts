// Issue 27: subscriptions over multipart HTTP. Apollo Client 4's HttpLink alone (no WebSocket)
// subscribes with `Accept: multipart/mixed;subscriptionSpec=1.0` on POST /graphql and receives
// an execution's updates; revoking the key ends the stream as it closes a graphql-ws socket;
// without credentials it never opens.
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionUpdatedDocument } from '../gql/graphql.js';
import { bearer, type TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { createKey, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';
import { waitFor } from '../runs/helpers.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway({ listen: true }));
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

const httpOnly = (key: string) =>
  new ApolloClient({
    link: new HttpLink({ uri: `${t.url}/graphql`, headers: { authorization: `Bearer ${key}` } }),
    cache: new InMemoryCache(),
  });

describe('Apollo Client HttpLink: subscriptions over multipart HTTP', () => {
  it('receives an execution’s updates; revoking the key ends the stream', async () => {
    const owner = await signIn(t.app, clerk);
    const { key, key_info } = await createKey(t.app, owner.headers);
    const task = (await rest(t.app, 'POST', '/api/v1/tasks', bearer(key), { search_query: 'q', state: 'paused' })).body;
    const client = httpOnly(key);
    const statuses: string[] = [];
    const errors: unknown[] = [];
    let completed = false;
    const before = t.container.hub.subscribers;
    const sub = client.subscribe({ query: ExecutionUpdatedDocument, variables: { taskId: task.id } }).subscribe({
      next: (r) => {
        if (r.data) statuses.push(r.data.executionUpdated.status);
        if (r.error) errors.push(r.error);
      },
      error: (e) => errors.push(e),
      complete: () => {
        completed = true;
      },
    });
    try {
      await waitFor('the subscription', async () => t.container.hub.subscribers > before);
      expect((await rest(t.app, 'POST', `/api/v1/tasks/${task.id}/execute`, bearer(key))).status).toBe(200);
      await waitFor('the pending execution', async () => statuses.includes('PENDING'));
      // Revoked (by the owner's session): the stream ends within seconds, as graphql-ws closes with 4403.
      const revoked = await rest(t.app, 'DELETE', `/auth/api-keys/${key_info.id}`, owner.headers);
      expect(revoked.status).toBe(200);
      await waitFor('the stream to end', async () => completed || errors.length > 0, 10_000);
      await waitFor('the subscriber to go', async () => t.container.hub.subscribers === before, 10_000);
      expect(JSON.stringify(errors)).toMatch(/FORBIDDEN|revoked|Invalid API key/i);
    } finally {
      sub.unsubscribe();
    }
  });

  it('the same refusals as graphql-ws and SSE: no credentials 401, a query is answered as a query', async () => {
    const accept = 'multipart/mixed;boundary="graphql";subscriptionSpec=1.0,application/json';
    const anon = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept },
      body: JSON.stringify({ query: 'subscription { executionUpdated { id } }' }),
    });
    expect(anon.status).toBe(401);
    expect((await anon.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const query = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept },
      body: JSON.stringify({ query: '{ templates { id } }' }),
    });
    expect(query.status).toBe(200);
    expect(Array.isArray((await query.json()).data.templates)).toBe(true);
  });
});

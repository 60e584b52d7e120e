// Issue 27: a subscription over multipart HTTP sent by persisted id only. Apollo Client 4's
// HttpLink behind its persisted-query link sends no query text, just the id; with
// TRUSTED_DOCUMENTS=require the gateway takes the text from the manifest and streams the
// execution's updates, and refuses an id no manifest holds, before opening any stream.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { addTypenameToDocument } from '@apollo/client/utilities';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionUpdatedDocument } from '../gql/graphql.js';
import { bearer, startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeClerk, startFakeClerk } from '../helpers/fake-clerk.js';
import { clerkEnv, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';
import { waitFor } from '../runs/helpers.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
// The text as Apollo Client sends it (it adds __typename), as a build's manifest holds it.
const SUBSCRIPTION = print(addTypenameToDocument(ExecutionUpdatedDocument));
const ACCEPT = 'multipart/mixed;boundary="graphql";subscriptionSpec=1.0,application/json';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
const dir = mkdtempSync(join(tmpdir(), 'torale-trusted-multipart-'));

beforeAll(async () => {
  writeFileSync(join(dir, 'dashboard.json'), JSON.stringify({ [sha256(SUBSCRIPTION)]: SUBSCRIPTION }));
  [tdb, clerk] = await Promise.all([createTestDatabase(), startFakeClerk()]);
  t = await startApp(tdb, {
    listen: true,
    env: clerkEnv(clerk, { TRUSTED_DOCUMENTS: 'require', TRUSTED_DOCUMENTS_DIR: dir }),
  });
});
afterAll(async () => {
  await t?.close();
  await clerk?.close();
  await tdb?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('multipart subscription by persisted id (TRUSTED_DOCUMENTS=require)', () => {
  it('Apollo Client sends only the id and receives the execution’s updates', async () => {
    const owner = await signIn(t.app, clerk);
    // A key without the free-form scope: it may run manifest documents only.
    const created = await rest(t.app, 'POST', '/auth/api-keys', owner.headers, {
      name: 'dashboard',
      scopes: ['tasks:read', 'tasks:write'],
    });
    expect(created.status, created.raw).toBe(200);
    const key = created.body.key as string;
    const task = (await rest(t.app, 'POST', '/api/v1/tasks', bearer(key), { search_query: 'q', state: 'paused' })).body;

    const sent: string[] = [];
    const http = new HttpLink({
      uri: `${t.url}/graphql`,
      headers: { authorization: `Bearer ${key}` },
      fetch: (input, init) => {
        sent.push(String(init?.body ?? ''));
        return fetch(input, init);
      },
    });
    const client = new ApolloClient({
      link: new PersistedQueryLink({ sha256 }).concat(http),
      cache: new InMemoryCache(),
    });
    const statuses: string[] = [];
    const errors: unknown[] = [];
    const before = t.container.hub.subscribers;
    const sub = client.subscribe({ query: ExecutionUpdatedDocument, variables: { taskId: task.id } }).subscribe({
      next: (r) => {
        if (r.data) statuses.push(r.data.executionUpdated.status);
        if (r.error) errors.push(r.error);
      },
      error: (e) => errors.push(e),
    });
    try {
      await waitFor('the subscription', async () => t.container.hub.subscribers > before || errors.length > 0);
      expect(errors).toEqual([]);
      expect((await rest(t.app, 'POST', `/api/v1/tasks/${task.id}/execute`, bearer(key))).status).toBe(200);
      await waitFor('the pending execution', async () => statuses.includes('PENDING'));
      // What went over the wire: the id, never the document's text.
      expect(sent).toHaveLength(1);
      const body = JSON.parse(sent[0]!);
      expect(body.query).toBeUndefined();
      expect(body.extensions.persistedQuery.sha256Hash).toBe(sha256(SUBSCRIPTION));
    } finally {
      sub.unsubscribe();
    }
    await waitFor('the subscriber to go', async () => t.container.hub.subscribers === before, 10_000);
  });

  it('an id no manifest holds is refused before any stream opens', async () => {
    const owner = await signIn(t.app, clerk);
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: ACCEPT, ...owner.headers },
      body: JSON.stringify({
        extensions: { persistedQuery: { version: 1, sha256Hash: sha256('subscription { taskUpdated { id } }') } },
      }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = await res.json();
    expect(body.errors[0].extensions.reason).toBe('PERSISTED_QUERY_NOT_TRUSTED');
  });
});

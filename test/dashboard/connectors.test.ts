// Connectors are out of scope: the dashboard's picker gets an empty list, and the
// `attached_connector_slugs: []` its create/edit dialogs always send is accepted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { type SignedInUser, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
let u: SignedInUser;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway());
  u = await signIn(t.app, clerk);
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

const UNSUPPORTED = 'Connectors are not supported by this gateway: attached_connector_slugs must be empty';

describe('GET /api/v1/connectors', () => {
  it('is an empty list for a signed-in user, 401 without credentials', async () => {
    const res = await rest(t.app, 'GET', '/api/v1/connectors', u.headers);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
    const anon = await rest(t.app, 'GET', '/api/v1/connectors', {});
    expect(anon.status).toBe(401);
    expect(anon.body).toEqual({ detail: 'Authorization header missing' });
  });
});

describe('attached_connector_slugs on tasks', () => {
  it("accepts the dashboard's create and edit bodies (an empty list), refuses a non-empty one with 400", async () => {
    // TaskCreationDialog.tsx's body, verbatim.
    const created = await rest(t.app, 'POST', '/api/v1/tasks/', u.headers, {
      search_query: 'Is the new Kindle out?',
      condition_description: 'Is the new Kindle out?',
      state: 'active',
      run_immediately: true,
      attached_connector_slugs: [],
    });
    expect(created.status).toBe(200);
    expect(created.body.name).toBe('New Monitor');
    // TaskEditDialog.tsx's body, verbatim.
    const edited = await rest(t.app, 'PUT', `/api/v1/tasks/${created.body.id}`, u.headers, {
      name: 'Kindle',
      search_query: 'Is the new Kindle Scribe out?',
      condition_description: 'Is the new Kindle Scribe out?',
      attached_connector_slugs: [],
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ name: 'Kindle', search_query: 'Is the new Kindle Scribe out?' });

    const refusedCreate = await rest(t.app, 'POST', '/api/v1/tasks', u.headers, {
      search_query: 'q',
      attached_connector_slugs: ['notion'],
    });
    expect(refusedCreate.status).toBe(400);
    expect(refusedCreate.body).toEqual({ detail: UNSUPPORTED });
    const refusedEdit = await rest(t.app, 'PUT', `/api/v1/tasks/${created.body.id}`, u.headers, {
      name: 'changed',
      attached_connector_slugs: ['linear'],
    });
    expect(refusedEdit.status).toBe(400);
    expect(refusedEdit.body).toEqual({ detail: UNSUPPORTED });
    // Nothing changed.
    expect((await rest(t.app, 'GET', `/api/v1/tasks/${created.body.id}`, u.headers)).body.name).toBe('Kindle');
    const list = await rest(t.app, 'GET', '/api/v1/tasks', u.headers);
    expect(list.body).toHaveLength(1);

    const wrongType = await rest(t.app, 'POST', '/api/v1/tasks', u.headers, {
      search_query: 'q',
      attached_connector_slugs: 'notion',
    });
    expect(wrongType.status).toBe(422);
  });
});

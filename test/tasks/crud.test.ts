// Create / list / get / update / delete over REST and GraphQL with the contract's
// defaults, validation and naming rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateTaskDocument,
  DeleteTaskDocument,
  TaskDocument,
  TasksDocument,
  UpdateTaskDocument,
} from '../gql/graphql.js';
import { bearer, type TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { codeOf, gql } from '../helpers/gql.js';
import { createKey, type SignedInUser, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const TASK_KEYS = [
  'attached_connector_slugs',
  'condition_description',
  'context',
  'created_at',
  'forked_from_task_id',
  'id',
  'immediate_execution_error',
  'is_public',
  'last_execution',
  'last_execution_id',
  'last_known_state',
  'name',
  'next_run',
  'notification_channels',
  'notification_email',
  'notifications',
  'search_query',
  'state',
  'state_changed_at',
  'subscriber_count',
  'updated_at',
  'user_id',
  'view_count',
  'webhook_url',
];

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
let alice: SignedInUser;
let bob: SignedInUser;
let aliceKey: string;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway());
  alice = await signIn(t.app, clerk);
  bob = await signIn(t.app, clerk);
  aliceKey = (await createKey(t.app, alice.headers)).key;
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

describe('create', () => {
  it('the authentication document’s curl example works verbatim with an API key', async () => {
    const res = await rest(t.app, 'POST', '/api/v1/tasks', bearer(aliceKey), {
      name: 'iPhone Release Monitor',
      search_query: 'When is the next iPhone release?',
      condition_description: 'A specific date has been announced',
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual([...TASK_KEYS].sort());
    expect(res.body).toMatchObject({
      user_id: alice.userId,
      name: 'iPhone Release Monitor',
      search_query: 'When is the next iPhone release?',
      condition_description: 'A specific date has been announced',
      state: 'active',
      is_public: false,
      view_count: 0,
      subscriber_count: 0,
      forked_from_task_id: null,
      last_execution: null,
      last_execution_id: null,
      notifications: [],
      immediate_execution_error: null,
    });
    expect(res.body.created_at).toMatch(ISO);
    expect(res.body.state_changed_at).toMatch(ISO);
  });

  it('applies the defaults: name "New Monitor", condition = query, state active', async () => {
    const u = await signIn(t.app, clerk);
    const first = await rest(t.app, 'POST', '/api/v1/tasks/', u.headers, { search_query: 'Rust 2.0 release date' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      name: 'New Monitor',
      condition_description: 'Rust 2.0 release date',
      state: 'active',
    });
    const second = await rest(t.app, 'POST', '/api/v1/tasks', u.headers, { search_query: 'another' });
    expect(second.body.name).toBe('New Monitor 2');
    const third = await gql(t.app, CreateTaskDocument, { input: { searchQuery: 'third' } }, u.headers);
    expect(third.data?.createTask.name).toBe('New Monitor 3');
    expect(third.data?.createTask.immediateExecutionError).toBeNull();
  });

  it('an explicit duplicate name is 409, never 500', async () => {
    const u = await signIn(t.app, clerk);
    await rest(t.app, 'POST', '/api/v1/tasks', u.headers, { name: 'Dup', search_query: 'q' });
    const again = await rest(t.app, 'POST', '/api/v1/tasks', u.headers, { name: 'Dup', search_query: 'q2' });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ detail: 'A task named "Dup" already exists' });
    const viaGql = await gql(t.app, CreateTaskDocument, { input: { name: 'Dup', searchQuery: 'q3' } }, u.headers);
    expect(codeOf(viaGql)).toBe('CONFLICT');
    // Another user may use the same name.
    const other = await rest(t.app, 'POST', '/api/v1/tasks', bob.headers, { name: 'Dup', search_query: 'q' });
    expect(other.status).toBe(200);
  });

  it.each([
    [{}, [{ type: 'missing', loc: ['body', 'search_query'], msg: 'Field required' }]],
    [
      { search_query: '   ' },
      [{ type: 'string_too_short', loc: ['body', 'search_query'], msg: 'String should have at least 1 character' }],
    ],
    [
      { search_query: 42 },
      [{ type: 'string_type', loc: ['body', 'search_query'], msg: 'Input should be a valid string' }],
    ],
    [
      { search_query: 'q', state: 'sleeping' },
      [{ type: 'enum', loc: ['body', 'state'], msg: "Input should be 'active', 'paused' or 'completed'" }],
    ],
    [
      { search_query: 'q', run_immediately: 'yes' },
      [{ type: 'bool_type', loc: ['body', 'run_immediately'], msg: 'Input should be a valid boolean' }],
    ],
    [
      { search_query: 'x'.repeat(2001) },
      [{ type: 'string_too_long', loc: ['body', 'search_query'], msg: 'String should have at most 2000 characters' }],
    ],
    [
      { search_query: 'q', name: 'n'.repeat(201) },
      [{ type: 'string_too_long', loc: ['body', 'name'], msg: 'String should have at most 200 characters' }],
    ],
  ])('invalid body %j → 422 %j', async (body, detail) => {
    const res = await rest(t.app, 'POST', '/api/v1/tasks', alice.headers, body);
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ detail });
  });

  it('invalid GraphQL input → BAD_USER_INPUT', async () => {
    const blank = await gql(t.app, CreateTaskDocument, { input: { searchQuery: ' ' } }, alice.headers);
    expect(codeOf(blank)).toBe('BAD_USER_INPUT');
    expect(blank.errors?.[0]?.message).toBe('search_query: String should have at least 1 character');
  });

  it('needs credentials', async () => {
    const res = await rest(t.app, 'POST', '/api/v1/tasks', {}, { search_query: 'q' });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ detail: 'Authorization header missing' });
  });
});

describe('list, get, update, delete', () => {
  it('lists own tasks newest first, filtered by state, over REST and GraphQL', async () => {
    const u = await signIn(t.app, clerk);
    for (const [name, state] of [
      ['a', 'active'],
      ['b', 'paused'],
      ['c', 'active'],
    ]) {
      expect((await rest(t.app, 'POST', '/api/v1/tasks', u.headers, { name, search_query: name, state })).status).toBe(
        200,
      );
    }
    const all = await rest(t.app, 'GET', '/api/v1/tasks', u.headers);
    expect(all.body.map((x: { name: string }) => x.name)).toEqual(['c', 'b', 'a']);
    const active = await rest(t.app, 'GET', '/api/v1/tasks/?state=active', u.headers);
    expect(active.body.map((x: { name: string }) => x.name)).toEqual(['c', 'a']);
    const bad = await rest(t.app, 'GET', '/api/v1/tasks?state=asleep', u.headers);
    expect(bad.status).toBe(422);
    const g = await gql(t.app, TasksDocument, { state: 'PAUSED' }, u.headers);
    expect(g.data?.tasks.map((x) => [x.name, x.state])).toEqual([['b', 'PAUSED']]);
    // Nobody else's tasks.
    const other = await rest(t.app, 'GET', '/api/v1/tasks', bob.headers);
    expect(other.body.every((x: { user_id: string }) => x.user_id === bob.userId)).toBe(true);
  });

  it('get: the owner sees it; another user and anonymous get 404 for a private task', async () => {
    const created = await rest(t.app, 'POST', '/api/v1/tasks', alice.headers, {
      name: 'private one',
      search_query: 'q',
    });
    const id = created.body.id;
    const own = await rest(t.app, 'GET', `/api/v1/tasks/${id}`, alice.headers);
    expect(own.status).toBe(200);
    expect(own.body.id).toBe(id);
    for (const headers of [bob.headers, {}]) {
      const res = await rest(t.app, 'GET', `/api/v1/tasks/${id}`, headers);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ detail: 'Task not found' });
    }
    const g = await gql(t.app, TaskDocument, { id }, bob.headers);
    expect(codeOf(g)).toBe('NOT_FOUND');
    // Not a UUID: Torale's 422 (FastAPI validates the path), not a 404.
    const bad = await rest(t.app, 'GET', '/api/v1/tasks/not-a-uuid', alice.headers);
    expect([bad.status, bad.body]).toEqual([
      422,
      { detail: [{ type: 'uuid_parsing', loc: ['path', 'task_id'], msg: 'Input should be a valid UUID' }] },
    ]);
  });

  it('update changes only the fields sent; others’ tasks are 404', async () => {
    const created = await rest(t.app, 'POST', '/api/v1/tasks', alice.headers, {
      name: 'to update',
      search_query: 'q1',
      condition_description: 'c1',
    });
    const id = created.body.id;
    const res = await rest(t.app, 'PUT', `/api/v1/tasks/${id}`, alice.headers, { search_query: 'q2' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'to update',
      search_query: 'q2',
      condition_description: 'c1',
      state: 'active',
    });
    expect(new Date(res.body.updated_at).getTime()).toBeGreaterThanOrEqual(new Date(created.body.updated_at).getTime());
    const g = await gql(t.app, UpdateTaskDocument, { id, input: { name: 'renamed' } }, alice.headers);
    expect(g.data?.updateTask).toMatchObject({ name: 'renamed', searchQuery: 'q2', conditionDescription: 'c1' });
    const other = await rest(t.app, 'PUT', `/api/v1/tasks/${id}`, bob.headers, { name: 'mine now' });
    expect(other.status).toBe(404);
    // Not an update field (visibility has its own route): ignored and named, as Torale's pydantic models do.
    const unknownField = await rest(t.app, 'PUT', `/api/v1/tasks/${id}`, alice.headers, { is_public: true });
    expect(unknownField.status).toBe(200);
    expect(unknownField.body.is_public).toBe(false);
    expect(unknownField.headers['torale-ignored-fields']).toBe('is_public');
    const dupName = await rest(t.app, 'PUT', `/api/v1/tasks/${id}`, alice.headers, { name: 'iPhone Release Monitor' });
    expect(dupName.status).toBe(409);
  });

  it('delete answers 204, then 404; another user cannot delete', async () => {
    const created = await rest(t.app, 'POST', '/api/v1/tasks', alice.headers, { name: 'doomed', search_query: 'q' });
    const id = created.body.id;
    expect((await rest(t.app, 'DELETE', `/api/v1/tasks/${id}`, bob.headers)).status).toBe(404);
    const del = await rest(t.app, 'DELETE', `/api/v1/tasks/${id}/`, alice.headers);
    expect(del.status).toBe(204);
    expect(del.raw).toBe('');
    expect((await rest(t.app, 'GET', `/api/v1/tasks/${id}`, alice.headers)).status).toBe(404);
    expect((await rest(t.app, 'DELETE', `/api/v1/tasks/${id}`, alice.headers)).status).toBe(404);
    const viaGql = await rest(t.app, 'POST', '/api/v1/tasks', alice.headers, { name: 'doomed 2', search_query: 'q' });
    const g = await gql(t.app, DeleteTaskDocument, { id: viaGql.body.id }, alice.headers);
    expect(g.data?.deleteTask).toBe(true);
  });
});

// Torale's wire on the task routes (issue 21): `context`, notification items as Torale's
// NotificationConfig (and `headers: null` as its SDK sends it), unknown body fields ignored
// and named, Run Now overriding a live run, the first check a minute after creation, PATCH.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTaskDocument, UpdateTaskDocument } from '../gql/graphql.js';
import type { TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { codeOf, gql } from '../helpers/gql.js';
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

const create = (body: Record<string, unknown>) => rest(t.app, 'POST', '/api/v1/tasks', u.headers, body);

/** A context object whose JSON is exactly `bytes` long (UTF-8), with multi-byte characters. */
function contextOfBytes(bytes: number): Record<string, unknown> {
  const base = JSON.stringify({ note: '' }); // {"note":""}
  const room = bytes - Buffer.byteLength(base);
  const euros = Math.floor(room / 3); // "€" is 3 bytes
  const note = '€'.repeat(euros) + 'a'.repeat(room - euros * 3);
  const ctx = { note };
  expect(Buffer.byteLength(JSON.stringify(ctx))).toBe(bytes);
  return ctx;
}

const nested = (levels: number): Record<string, unknown> => {
  let v: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < levels; i++) v = { in: v };
  return v;
};

describe('context (Torale’s TaskCreate/TaskUpdate/Task)', () => {
  const skill = {
    source: 'claude-code',
    original_prompt: 'Tell me when Next.js 16 ships',
    action: 'summarize the changelog',
    nested: { list: [1, 'two', null, { three: 3 }] },
  };

  it('is stored on create, returned on every read, replaced by PUT/PATCH, cleared by null, kept when absent', async () => {
    const created = await create({ search_query: 'Next.js 16 release', context: skill });
    expect(created.status, created.raw).toBe(200);
    expect(created.body.context).toEqual(skill);
    const id = created.body.id as string;
    expect((await rest(t.app, 'GET', `/api/v1/tasks/${id}`, u.headers)).body.context).toEqual(skill);
    const listed = (await rest(t.app, 'GET', '/api/v1/tasks', u.headers)).body.find((x: { id: string }) => x.id === id);
    expect(listed.context).toEqual(skill);

    const renamed = await rest(t.app, 'PUT', `/api/v1/tasks/${id}`, u.headers, { name: 'renamed' });
    expect(renamed.body.context).toEqual(skill);
    const replaced = await rest(t.app, 'PUT', `/api/v1/tasks/${id}`, u.headers, { context: { action: 'tweet it' } });
    expect(replaced.body.context).toEqual({ action: 'tweet it' });
    const patched = await rest(t.app, 'PATCH', `/api/v1/tasks/${id}`, u.headers, { context: { action: 'email me' } });
    expect(patched.status, patched.raw).toBe(200);
    expect(patched.body.context).toEqual({ action: 'email me' });
    const cleared = await rest(t.app, 'PUT', `/api/v1/tasks/${id}`, u.headers, { context: null });
    expect(cleared.body.context).toBeNull();
    const plain = await create({ search_query: 'no context' });
    expect(plain.body.context).toBeNull();
  });

  it('takes exactly 16 KiB of JSON and 10 levels; one byte or one level more is a clear 422', async () => {
    expect((await create({ search_query: 'big', context: contextOfBytes(16 * 1024) })).status).toBe(200);
    const tooBig = await create({ search_query: 'bigger', context: contextOfBytes(16 * 1024 + 1) });
    expect(tooBig.status).toBe(422);
    expect(tooBig.body).toEqual({
      detail: [{ type: 'too_long', loc: ['body', 'context'], msg: 'Context should be at most 16384 bytes of JSON' }],
    });
    expect((await create({ search_query: 'deep', context: nested(10) })).status).toBe(200);
    const tooDeep = await create({ search_query: 'deeper', context: nested(11) });
    expect(tooDeep.status).toBe(422);
    expect(tooDeep.body.detail[0]).toMatchObject({ type: 'too_deep', loc: ['body', 'context'] });
    // Arrays count as levels too; a hostile nesting is refused without walking it.
    const hostile = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tasks',
      headers: { ...u.headers, 'content-type': 'application/json' },
      payload: `{"search_query":"arrays","context":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`,
    });
    expect(hostile.statusCode, hostile.body).toBe(422);
  });

  it.each([
    ['an array', [1, 2]],
    ['a string', 'text'],
    ['a number', 7],
  ])('%s is not an object → 422 on context', async (_what, context) => {
    const res = await create({ search_query: 'q', context });
    expect(res.status).toBe(422);
    expect(res.body.detail[0].loc.slice(0, 2)).toEqual(['body', 'context']);
  });

  it('text PostgreSQL cannot store (NUL, lone surrogates) is a 422, never a 500', async () => {
    for (const context of [{ a: 'x\u0000y' }, { 'k\u0000': 1 }, { a: ['\ud800'] }, { a: 'ok\udc00' }]) {
      const res = await create({ search_query: 'q', context });
      expect(res.status, JSON.stringify(context)).toBe(422);
      expect(res.body.detail[0].loc).toEqual(['body', 'context']);
    }
    const ok = await create({ search_query: 'q', context: { emoji: '😀 ünïcödé', empty: {}, zero: 0, no: false } });
    expect(ok.status).toBe(200);
    expect(ok.body.context).toEqual({ emoji: '😀 ünïcödé', empty: {}, zero: 0, no: false });
  });

  it('GraphQL takes and returns it too, with the same limits', async () => {
    const g = await gql(
      t.app,
      CreateTaskDocument,
      { input: { searchQuery: 'gql', context: { action: 'a' } } },
      u.headers,
    );
    expect(g.data?.createTask.context).toEqual({ action: 'a' });
    const deep = await gql(
      t.app,
      UpdateTaskDocument,
      { id: g.data!.createTask.id, input: { context: nested(11) } },
      u.headers,
    );
    expect(codeOf(deep)).toBe('BAD_USER_INPUT');
  });
});

describe('notifications as Torale’s NotificationConfig', () => {
  it('takes what the SDK sends (`notify(webhook=…)`: headers null; model_dump: every key) and echoes every key', async () => {
    const res = await create({
      search_query: 'sdk',
      notifications: [
        { type: 'webhook', url: 'https://hooks.example.com/torale', method: 'POST', headers: null },
        { type: 'email', address: 'me@example.com', template: null, url: null, method: 'POST', headers: null },
      ],
    });
    expect(res.status, res.raw).toBe(200);
    expect(res.body.notifications).toEqual([
      {
        type: 'webhook',
        address: null,
        template: null,
        url: 'https://hooks.example.com/torale',
        method: 'POST',
        headers: null,
        disabled_at: null,
        disabled_reason: null,
      },
      { type: 'email', address: 'me@example.com', template: null, url: null, method: 'POST', headers: null },
    ]);
    // Sent back as read (extra keys included): accepted, the webhook keeps its secret.
    const again = await rest(t.app, 'PUT', `/api/v1/tasks/${res.body.id}`, u.headers, {
      notifications: res.body.notifications,
    });
    expect(again.status, again.raw).toBe(200);
    expect(again.body.webhook_secret).toBeUndefined();
    expect(again.headers['torale-ignored-fields']).toBe('notifications.0.disabled_at, notifications.0.disabled_reason');
    const templated = await create({
      search_query: 'tpl',
      notifications: [{ type: 'email', address: 'me@example.com', template: 'short' }],
    });
    expect(templated.body.notifications[0].template).toBe('short');
  });

  it.each([
    [
      { type: 'email', address: 'me@example.com', method: 'PUT' },
      'Invalid notification: email notifications do not take "method"',
    ],
    [
      { type: 'email', address: 'me@example.com', url: 'https://x.example/' },
      'Invalid notification: email notifications do not take "url"',
    ],
    [
      { type: 'webhook', url: 'https://x.example/', address: 'me@example.com' },
      'Invalid notification: webhook notifications do not take "address"',
    ],
    [{ type: 'webhook', url: null }, 'Invalid notification: Webhook URL required'],
    [{ type: 'email', address: null }, 'Invalid notification: Email address required'],
  ])('%j → 400', async (n, detail) => {
    const res = await create({ search_query: 'q', notifications: [n] });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail });
  });
});

describe('unknown body fields are ignored and named (pydantic’s default)', () => {
  it('a create with extra fields works and says which were ignored; a clean one has no header', async () => {
    const res = await create({
      search_query: 'extras',
      colour: 'red',
      notifications: [{ type: 'webhook', url: 'https://hooks.example.com/x', retries: 3 }],
    });
    expect(res.status, res.raw).toBe(200);
    expect(res.headers['torale-ignored-fields']).toBe('colour, notifications.0.retries');
    expect(res.body.colour).toBeUndefined();
    const clean = await create({ search_query: 'clean' });
    expect(clean.headers['torale-ignored-fields']).toBeUndefined();
  });

  it('a task sent back as it was read updates it (read-only fields ignored, not applied)', async () => {
    const task = (await create({ search_query: 'round trip', context: { a: 1 } })).body;
    const res = await rest(t.app, 'PUT', `/api/v1/tasks/${task.id}`, u.headers, {
      ...task,
      name: 'round trip 2',
      id: '00000000-0000-0000-0000-000000000000',
      view_count: 999,
    });
    expect(res.status, res.raw).toBe(200);
    expect(res.body).toMatchObject({ id: task.id, name: 'round trip 2', view_count: 0, context: { a: 1 } });
    const ignored = String(res.headers['torale-ignored-fields']).split(', ');
    expect(ignored).toEqual(expect.arrayContaining(['id', 'user_id', 'view_count', 'created_at', 'last_execution']));
    expect(ignored).not.toContain('name');
  });

  it('hostile names (control characters, unicode, hundreds of them) give a safe header, never a 500', async () => {
    const body: Record<string, unknown> = { search_query: 'q', 'a\nb': 1, 'ü,x': 2, '%': 3 };
    for (let i = 0; i < 300; i++) body[`k${i}`] = i;
    const res = await create(body);
    expect(res.status, res.raw).toBe(200);
    const header = String(res.headers['torale-ignored-fields']);
    expect(header.startsWith('a%0Ab, %C3%BC%2Cx, %25, k0')).toBe(true);
    expect(header.endsWith(', ...')).toBe(true);
    expect(header).toMatch(/^[\x20-\x7e]+$/);
  });

  it('other REST bodies too (fork, visibility); GraphQL inputs stay strict', async () => {
    const task = (await create({ search_query: 'fork me' })).body;
    const vis = await rest(t.app, 'PATCH', `/api/v1/tasks/${task.id}/visibility`, u.headers, {
      is_public: true,
      why: 'x',
    });
    expect(vis.status).toBe(200);
    expect(vis.headers['torale-ignored-fields']).toBe('why');
    const fork = await rest(t.app, 'POST', `/api/v1/tasks/${task.id}/fork`, u.headers, { name: 'copy', extra: 1 });
    expect(fork.status).toBe(200);
    expect(fork.headers['torale-ignored-fields']).toBe('extra');
    const g = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { ...u.headers, 'content-type': 'application/json' },
      payload: JSON.stringify({
        query: 'mutation { createTask(input: { searchQuery: "q", colour: "red" }) { id } }',
      }),
    });
    expect(g.statusCode).toBe(400);
    expect(g.body).toContain('colour');
  });
});

describe('schedule and Run Now as Torale’s', () => {
  it('an active task is first checked one minute after creation (and after resuming); a paused one is not', async () => {
    const before = Date.now();
    const active = (await create({ search_query: 'soon' })).body;
    const due = Date.parse(active.next_run) - before;
    expect(due).toBeGreaterThanOrEqual(59_000);
    expect(due).toBeLessThanOrEqual(61_000 + (Date.now() - before));
    const paused = (await create({ search_query: 'later', state: 'paused' })).body;
    expect(paused.next_run).toBeNull();
    const t0 = Date.now();
    const resumed = await rest(t.app, 'PATCH', `/api/v1/tasks/${paused.id}`, u.headers, { state: 'active' });
    expect(Date.parse(resumed.body.next_run) - t0).toBeGreaterThanOrEqual(59_000);
    expect(Date.parse(resumed.body.next_run) - t0).toBeLessThanOrEqual(61_000 + (Date.now() - t0));
  });
});

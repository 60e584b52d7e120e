// The state machine, the active-task limit and notifications: rules users rely on.
import { sql } from 'kysely';
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

const newTask = async (headers: Record<string, string>, body: Record<string, unknown> = {}) => {
  const res = await rest(t.app, 'POST', '/api/v1/tasks', headers, { search_query: 'q', ...body });
  expect(res.status, res.raw).toBe(200);
  return res.body;
};

describe('state machine', () => {
  it.each([
    ['active', 'paused', 200],
    ['paused', 'active', 200],
    ['active', 'completed', 200],
    ['completed', 'active', 200],
    ['paused', 'completed', 400],
    ['completed', 'paused', 400],
  ] as const)('%s → %s answers %i', async (from, to, status) => {
    const task = await newTask(u.headers, { state: from });
    const res = await rest(t.app, 'PUT', `/api/v1/tasks/${task.id}`, u.headers, { state: to });
    expect(res.status).toBe(status);
    if (status === 400)
      expect(res.body).toEqual({ detail: `Invalid state transition: Cannot transition from ${from} to ${to}` });
    else {
      expect(res.body.state).toBe(to);
      expect(new Date(res.body.state_changed_at).getTime()).toBeGreaterThanOrEqual(
        new Date(task.state_changed_at).getTime(),
      );
    }
  });

  it('an invalid transition changes nothing, even fields sent with it', async () => {
    const task = await newTask(u.headers, { name: 'frozen', state: 'paused', search_query: 'before' });
    const res = await rest(t.app, 'PUT', `/api/v1/tasks/${task.id}`, u.headers, {
      state: 'completed',
      name: 'after',
      search_query: 'after',
      notifications: [{ type: 'email', address: 'x@example.com' }],
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: 'Invalid state transition: Cannot transition from paused to completed' });
    const now = await rest(t.app, 'GET', `/api/v1/tasks/${task.id}`, u.headers);
    expect(now.body).toEqual({ ...task, last_execution: null });
    const g = await gql(
      t.app,
      UpdateTaskDocument,
      { id: task.id, input: { state: 'COMPLETED', name: 'x' } },
      u.headers,
    );
    expect(codeOf(g)).toBe('BAD_USER_INPUT');
    expect(g.errors?.[0]?.message).toBe('Invalid state transition: Cannot transition from paused to completed');
  });

  it('concurrent transitions from one state: exactly one of pause/complete applies', async () => {
    for (let round = 0; round < 5; round++) {
      const task = await newTask(u.headers);
      // active→paused and active→completed race; whichever commits second starts from
      // the new state, where paused→completed is invalid (completed→paused likewise).
      const [a, b] = await Promise.all([
        rest(t.app, 'PUT', `/api/v1/tasks/${task.id}`, u.headers, { state: 'paused' }),
        rest(t.app, 'PUT', `/api/v1/tasks/${task.id}`, u.headers, { state: 'completed' }),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 400]);
      const final = (await rest(t.app, 'GET', `/api/v1/tasks/${task.id}`, u.headers)).body.state;
      expect(final).toBe(a.status === 200 ? 'paused' : 'completed');
    }
  });
});

describe('active-task limit', () => {
  it('100 concurrent active creates by one user → exactly 50 active, the rest a clear 400', async () => {
    const v = await signIn(t.app, clerk);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => rest(t.app, 'POST', '/api/v1/tasks', v.headers, { search_query: `q${i}` })),
    );
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status !== 200);
    expect(ok).toHaveLength(50);
    for (const r of refused) {
      expect(r.status).toBe(400);
      expect(r.body.detail).toBe(
        'Active task limit reached: at most 50 active tasks per user. Pause or complete a task first.',
      );
    }
    // Default names stayed unique under the race.
    expect(new Set(ok.map((r) => r.body.name)).size).toBe(50);
    const { n } = await tdb.database.db
      .selectFrom('tasks')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('user_id', '=', v.userId)
      .where('state', '=', 'active')
      .executeTakeFirstOrThrow();
    expect(n).toBe(50);

    // Paused tasks do not count; re-activating one past the limit is refused the same way.
    const paused = await newTask(v.headers, { state: 'paused' });
    const activate = await rest(t.app, 'PUT', `/api/v1/tasks/${paused.id}`, v.headers, { state: 'active' });
    expect(activate.status).toBe(400);
    const g = await gql(t.app, CreateTaskDocument, { input: { searchQuery: 'one more' } }, v.headers);
    expect(codeOf(g)).toBe('BAD_USER_INPUT');
  });

  it('concurrent activations cannot exceed the limit either', async () => {
    const v = await signIn(t.app, clerk);
    for (let i = 0; i < 48; i++) await newTask(v.headers);
    const paused = await Promise.all(Array.from({ length: 6 }, () => newTask(v.headers, { state: 'paused' })));
    const results = await Promise.all(
      paused.map((p) => rest(t.app, 'PUT', `/api/v1/tasks/${p.id}`, v.headers, { state: 'active' })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(2);
    const active = await rest(t.app, 'GET', '/api/v1/tasks?state=active', v.headers);
    expect(active.body).toHaveLength(50);
  });
});

describe('notifications', () => {
  const MULTI =
    'Multiple notifications of the same type are not supported. Please provide at most one email and one webhook notification.';

  it('accepts one email and one https webhook; the webhook secret is shown once', async () => {
    const res = await rest(t.app, 'POST', '/api/v1/tasks', u.headers, {
      search_query: 'q',
      notifications: [
        { type: 'email', address: 'me@example.com' },
        { type: 'webhook', url: 'https://hooks.example.com/torale', headers: { 'X-Token': 'abc' } },
      ],
    });
    expect(res.status).toBe(200);
    // Every key of Torale's NotificationConfig, null where unset (method defaults to POST there).
    expect(res.body.notifications).toEqual([
      { type: 'email', address: 'me@example.com', template: null, url: null, method: 'POST', headers: null },
      {
        type: 'webhook',
        address: null,
        template: null,
        url: 'https://hooks.example.com/torale',
        method: 'POST',
        headers: { 'X-Token': 'abc' },
        disabled_at: null,
        disabled_reason: null,
      },
    ]);
    expect(res.body.webhook_secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const again = await rest(t.app, 'GET', `/api/v1/tasks/${res.body.id}`, u.headers);
    expect(again.body.webhook_secret).toBeUndefined();
    expect(again.raw).not.toContain(res.body.webhook_secret);
    // Unchanged webhook: no new secret. Changed URL: a new one, once.
    const same = await rest(t.app, 'PUT', `/api/v1/tasks/${res.body.id}`, u.headers, {
      notifications: res.body.notifications,
    });
    expect(same.status, same.raw).toBe(200);
    expect(same.body.webhook_secret).toBeUndefined();
    const moved = await rest(t.app, 'PUT', `/api/v1/tasks/${res.body.id}`, u.headers, {
      notifications: [{ type: 'webhook', url: 'https://hooks.example.com/other' }],
    });
    expect(moved.body.webhook_secret).toMatch(/^whsec_/);
    expect(moved.body.webhook_secret).not.toBe(res.body.webhook_secret);
  });

  it.each([
    [
      [
        { type: 'email', address: 'a@example.com' },
        { type: 'email', address: 'b@example.com' },
      ],
      MULTI,
    ],
    [
      [
        { type: 'webhook', url: 'https://a.example.com' },
        { type: 'webhook', url: 'https://b.example.com' },
      ],
      MULTI,
    ],
    [[{ type: 'email', address: 'not-an-email' }], 'Invalid notification: "not-an-email" is not a valid email address'],
    [[{ type: 'email' }], 'Invalid notification: Email address required'],
    [[{ type: 'webhook', url: 'http://hooks.example.com' }], 'Invalid notification: Webhook URL must use HTTPS'],
    [
      [{ type: 'webhook', url: 'https://127.0.0.1/x' }],
      'Invalid notification: webhook url must not target loopback, private or link-local addresses',
    ],
    [
      [{ type: 'webhook', url: 'https://10.1.2.3/x' }],
      'Invalid notification: webhook url must not target loopback, private or link-local addresses',
    ],
    [
      [{ type: 'webhook', url: 'https://169.254.169.254/latest' }],
      'Invalid notification: webhook url must not target loopback, private or link-local addresses',
    ],
    [
      [{ type: 'webhook', url: 'https://[::1]/x' }],
      'Invalid notification: webhook url must not target loopback, private or link-local addresses',
    ],
    [
      [{ type: 'webhook', url: 'https://[fe80::1]/x' }],
      'Invalid notification: webhook url must not target loopback, private or link-local addresses',
    ],
    [
      [{ type: 'webhook', url: 'https://localhost:8443/x' }],
      'Invalid notification: webhook url must not target loopback, private or link-local addresses',
    ],
    [
      [{ type: 'webhook', url: 'https://192.168.0.10/x' }],
      'Invalid notification: webhook url must not target loopback, private or link-local addresses',
    ],
    [[{ type: 'webhook', url: 'not a url' }], 'Invalid notification: webhook url is not a valid URL'],
    [
      [{ type: 'webhook', url: 'https://h.example.com', method: 'DELETE' }],
      'Invalid notification: webhook method must be POST or PUT',
    ],
  ])('%j → 400 %s', async (notifications, detail) => {
    const res = await rest(t.app, 'POST', '/api/v1/tasks', u.headers, { search_query: 'q', notifications });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail });
  });

  it('unknown notification types and fields are 422 over REST; GraphQL gets the same 400 rules', async () => {
    const res = await rest(t.app, 'POST', '/api/v1/tasks', u.headers, {
      search_query: 'q',
      notifications: [{ type: 'sms', number: '1' }],
    });
    expect(res.status).toBe(422);
    const g = await gql(
      t.app,
      CreateTaskDocument,
      { input: { searchQuery: 'q', notifications: [{ type: 'WEBHOOK', url: 'http://insecure.example.com' }] } },
      u.headers,
    );
    expect(codeOf(g)).toBe('BAD_USER_INPUT');
    expect(g.errors?.[0]?.message).toBe('Invalid notification: Webhook URL must use HTTPS');
    const ok = await gql(
      t.app,
      CreateTaskDocument,
      {
        input: {
          searchQuery: 'q',
          notifications: [
            { type: 'EMAIL', address: 'g@example.com' },
            { type: 'WEBHOOK', url: 'https://h.example.com/x', method: 'put' },
          ],
        },
      },
      u.headers,
    );
    expect(ok.errors).toBeUndefined();
    expect(ok.data?.createTask.webhookSecret).toMatch(/^whsec_/);
    expect(ok.data?.createTask.notifications).toEqual([
      { type: 'EMAIL', address: 'g@example.com', url: null, method: null, headers: null },
      { type: 'WEBHOOK', address: null, url: 'https://h.example.com/x', method: 'PUT', headers: {} },
    ]);
  });
});

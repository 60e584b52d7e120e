// What the side-by-side run against Torale's own backend (scripts/torale-clients/side_by_side.py)
// found on the task routes, encoded as Torale answers it: every Task carries
// `attached_connector_slugs` and `immediate_execution_error`; activity steps carry every key of
// Torale's ActivityStep; Torale's error texts; a path id that is not a UUID and a body that is not
// JSON are FastAPI's 422s; a known path with another method is 405; the public task route shows its
// owner their own task, as Torale's does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toActivity } from '../../src/tasks/execution-result.js';
import type { TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { createKey, type SignedInUser, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
let u: SignedInUser;
let other: SignedInUser;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway());
  u = await signIn(t.app, clerk);
  other = await signIn(t.app, clerk);
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

let n = 0;
const create = (body: Record<string, unknown> = {}, headers = u.headers) =>
  rest(t.app, 'POST', '/api/v1/tasks', headers, { name: `proof ${++n}`, search_query: 'q', ...body });

describe('every Task has the keys of Torale’s Task model', () => {
  it('attached_connector_slugs: [] and immediate_execution_error: null on create, read, list, PUT, PATCH, fork, public', async () => {
    const created = await create();
    const id = created.body.id as string;
    const answers = [
      created,
      await rest(t.app, 'GET', `/api/v1/tasks/${id}`, u.headers),
      await rest(t.app, 'PUT', `/api/v1/tasks/${id}`, u.headers, { name: `proof ${++n}` }),
      await rest(t.app, 'PATCH', `/api/v1/tasks/${id}`, u.headers, { state: 'paused' }),
      await rest(t.app, 'POST', `/api/v1/tasks/${id}/fork`, u.headers, { name: `proof ${++n}` }),
    ];
    await rest(t.app, 'PATCH', `/api/v1/tasks/${id}/visibility`, u.headers, { is_public: true });
    answers.push(await rest(t.app, 'GET', `/api/v1/public/tasks/id/${id}`, {}));
    const list = await rest(t.app, 'GET', '/api/v1/tasks', u.headers);
    const page = await rest(t.app, 'GET', '/api/v1/public/tasks', {});
    const tasks = [
      ...answers.map((a) => {
        expect(a.status, a.raw).toBe(200);
        return a.body;
      }),
      ...list.body,
      ...page.body.tasks,
    ];
    expect(tasks.length).toBeGreaterThan(6);
    for (const task of tasks) {
      expect(task.attached_connector_slugs).toEqual([]);
      expect(task).toHaveProperty('immediate_execution_error', null);
    }
  });
});

describe('activity steps as Torale’s ActivityStep', () => {
  it('keeps tool and detail, connector_slug and the three MCP hints; null where the agent gave none', () => {
    expect(
      toActivity([
        { tool: 'perplexity_search', detail: 'searched' },
        {
          tool: 'NOTION_SEARCH',
          detail: 'read a page',
          connector_slug: 'notion',
          annotations: { readOnlyHint: true, destructiveHint: 'no', extra: 1 },
        },
        { tool: 'x', detail: 'y', connector_slug: 7, annotations: [true] },
      ]),
    ).toEqual([
      { tool: 'perplexity_search', detail: 'searched', connector_slug: null, annotations: null },
      {
        tool: 'NOTION_SEARCH',
        detail: 'read a page',
        connector_slug: 'notion',
        annotations: { readOnlyHint: true, destructiveHint: null, idempotentHint: null },
      },
      { tool: 'x', detail: 'y', connector_slug: null, annotations: null },
    ]);
  });
});

describe('Torale’s error texts', () => {
  it('for notifications without their target and for a refused state transition', async () => {
    for (const [notification, detail] of [
      [{ type: 'email' }, 'Invalid notification: Email address required'],
      [{ type: 'email', address: '' }, 'Invalid notification: Email address required'],
      [{ type: 'webhook' }, 'Invalid notification: Webhook URL required'],
      [{ type: 'webhook', url: null, headers: null }, 'Invalid notification: Webhook URL required'],
      [{ type: 'webhook', url: 'http://hooks.example.com/x' }, 'Invalid notification: Webhook URL must use HTTPS'],
    ] as const) {
      const res = await create({ notifications: [notification] });
      expect([res.status, res.body], JSON.stringify(notification)).toEqual([400, { detail }]);
    }
    const id = (await create({ state: 'paused' })).body.id;
    for (const method of ['PUT', 'PATCH'] as const) {
      const res = await rest(t.app, method, `/api/v1/tasks/${id}`, u.headers, { state: 'completed' });
      expect([res.status, res.body]).toEqual([
        400,
        { detail: 'Invalid state transition: Cannot transition from paused to completed' },
      ]);
    }
  });
});

describe('FastAPI’s 422s', () => {
  const notUuid = { detail: [{ type: 'uuid_parsing', loc: ['path', 'task_id'], msg: 'Input should be a valid UUID' }] };

  it('a task id that is not a UUID, on every task route', async () => {
    for (const [method, url, body] of [
      ['GET', '/api/v1/tasks/not-a-uuid'],
      ['GET', '/api/v1/tasks/not-a-uuid/'],
      ['PUT', '/api/v1/tasks/not-a-uuid', { name: 'x' }],
      ['PATCH', '/api/v1/tasks/not-a-uuid', { name: 'x' }],
      ['DELETE', '/api/v1/tasks/not-a-uuid'],
      ['PATCH', '/api/v1/tasks/not-a-uuid/visibility', { is_public: true }],
      ['POST', '/api/v1/tasks/not-a-uuid/fork', {}],
      ['POST', '/api/v1/tasks/not-a-uuid/execute'],
      ['GET', '/api/v1/tasks/not-a-uuid/executions'],
      ['GET', '/api/v1/tasks/not-a-uuid/notifications'],
      ['GET', '/api/v1/public/tasks/id/not-a-uuid'],
    ] as const) {
      const res = await rest(t.app, method, url, u.headers, body);
      expect([res.status, res.body], `${method} ${url}`).toEqual([422, notUuid]);
    }
    // A UUID nobody has is still Torale's 404.
    const missing = await rest(t.app, 'GET', '/api/v1/tasks/00000000-0000-4000-8000-000000000000', u.headers);
    expect([missing.status, missing.body]).toEqual([404, { detail: 'Task not found' }]);
  });

  it('pydantic’s codes: a notification type is a Literal (literal_error), a state an Enum (enum)', async () => {
    const sms = await create({ notifications: [{ type: 'sms' }] });
    expect([sms.status, sms.body]).toEqual([
      422,
      {
        detail: [
          {
            type: 'literal_error',
            loc: ['body', 'notifications', 0, 'type'],
            msg: "Input should be 'email' or 'webhook'",
          },
        ],
      },
    ]);
    const state = await create({ state: 'sleeping' });
    expect(state.body.detail).toEqual([
      { type: 'enum', loc: ['body', 'state'], msg: "Input should be 'active', 'paused' or 'completed'" },
    ]);
  });

  it('a body that is not JSON: json_invalid at its position; GraphQL keeps its 400', async () => {
    for (const [method, url] of [
      ['POST', '/api/v1/tasks'],
      ['POST', '/api/v1/tasks/'],
      ['PUT', '/api/v1/webhooks/config'],
    ] as const) {
      const res = await t.app.inject({
        method,
        url,
        headers: { ...u.headers, 'content-type': 'application/json' },
        payload: '{not json',
      });
      expect([res.statusCode, res.json()], `${method} ${url}`).toEqual([
        422,
        { detail: [{ type: 'json_invalid', loc: ['body', 1], msg: 'JSON decode error' }] },
      ]);
    }
    const gql = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { ...u.headers, 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(gql.statusCode).toBe(400);
  });
});

describe('the default webhook URL as Torale’s HttpUrl', () => {
  it('no URL at all or another scheme: 422 in pydantic’s words; an http URL passes to the target rules (400)', async () => {
    const put = (webhook_url: string) =>
      rest(t.app, 'PUT', '/api/v1/webhooks/config', u.headers, { webhook_url, enabled: true });
    expect(await put('not a url')).toMatchObject({
      status: 422,
      body: {
        detail: [
          {
            type: 'url_parsing',
            loc: ['body', 'webhook_url'],
            msg: 'Input should be a valid URL, relative URL without a base',
          },
        ],
      },
    });
    expect(await put('ftp://hooks.example.com/x')).toMatchObject({
      status: 422,
      body: { detail: [{ type: 'url_scheme', loc: ['body', 'webhook_url'] }] },
    });
    expect((await put('http://hooks.example.com/x')).status).toBe(400);
    expect((await put('https://hooks.example.com/x')).status).toBe(200);
  });
});

describe('GET /api/v1/public/tasks/id/{id} as Torale’s', () => {
  it('shows the owner their own task in full, even private, never cached shared; others as before', async () => {
    const created = await create({
      notifications: [{ type: 'webhook', url: 'https://hooks.example.com/mine', headers: { 'X-Token': 'secret' } }],
    });
    const id = created.body.id as string;
    const url = `/api/v1/public/tasks/id/${id}`;
    const own = await rest(t.app, 'GET', url, u.headers);
    expect(own.status, own.raw).toBe(200);
    expect(own.body).toMatchObject({ id, is_public: false, webhook_url: 'https://hooks.example.com/mine' });
    expect(own.body.notifications[0]).toMatchObject({
      url: 'https://hooks.example.com/mine',
      headers: { 'X-Token': 'secret' },
    });
    expect(own.headers['cache-control']).toBe('private, no-store');
    const key = (await createKey(t.app, u.headers)).key;
    expect((await rest(t.app, 'GET', url, { authorization: `Bearer ${key}` })).status).toBe(200);
    for (const headers of [{}, other.headers]) {
      const res = await rest(t.app, 'GET', url, headers);
      expect([res.status, res.body]).toEqual([404, { detail: 'Task not found' }]);
    }
    await rest(t.app, 'PATCH', `/api/v1/tasks/${id}/visibility`, u.headers, { is_public: true });
    for (const headers of [{}, other.headers]) {
      const res = await rest(t.app, 'GET', url, headers);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id, notifications: [], webhook_url: null, notification_email: null });
      expect(res.raw).not.toContain('secret');
      expect(res.headers['cache-control']).not.toBe('private, no-store');
    }
  });
});

describe('a known path with another method', () => {
  it('is 405 Method Not Allowed with Allow (as Starlette answers); an unknown path stays 404', async () => {
    const id = (await create()).body.id as string;
    for (const [method, url, allow] of [
      ['DELETE', '/api/v1/tasks/', 'POST, GET'],
      ['PUT', '/api/v1/tasks', 'POST, GET'],
      ['POST', `/api/v1/tasks/${id}`, 'GET, PUT, PATCH, DELETE'],
      ['GET', `/api/v1/tasks/${id}/execute`, 'POST'],
      ['DELETE', '/auth/me', 'GET'],
    ] as const) {
      const res = await rest(t.app, method, url, u.headers);
      expect([res.status, res.body], `${method} ${url}`).toEqual([405, { detail: 'Method Not Allowed' }]);
      expect(String(res.headers.allow).split(', ').sort(), `${method} ${url}`).toEqual(allow.split(', ').sort());
    }
    for (const [method, url] of [
      ['GET', '/api/v1/nope'],
      ['DELETE', '/api/v1/tasks/x/y/z'],
    ] as const) {
      const res = await rest(t.app, method, url, u.headers);
      expect([res.status, res.body], `${method} ${url}`).toEqual([404, { detail: 'Not Found' }]);
    }
  });
});

describe('GET /api/v1/connectors/available', () => {
  it('is an empty list (no toolkits can be connected here), 401 without credentials', async () => {
    const res = await rest(t.app, 'GET', '/api/v1/connectors/available', u.headers);
    expect([res.status, res.body]).toEqual([200, []]);
    const anon = await rest(t.app, 'GET', '/api/v1/connectors/available', {});
    expect([anon.status, anon.body]).toEqual([401, { detail: 'Authorization header missing' }]);
  });
});

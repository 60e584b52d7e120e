// Updates as Torale's clients send them (issue 21 items 1 and 10): the SDK's
// `notify(webhook=…)` item with `headers: null` on PUT and PATCH, echoed as Torale's full
// NotificationConfig; PATCH as the skill's partial update (pause/resume), with PUT's rules.
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
const create = (body: Record<string, unknown> = {}) =>
  rest(t.app, 'POST', '/api/v1/tasks', u.headers, { name: `update ${++n}`, search_query: 'q', ...body });

/** Torale's NotificationConfig keys, every one present, null where unset. */
const CONFIG_KEYS = ['address', 'headers', 'method', 'template', 'type', 'url'];

describe('notifications with headers: null on update', () => {
  it.each(['PUT', 'PATCH'] as const)(
    '%s sets a webhook as the SDK sends it and echoes the full config',
    async (method) => {
      const created = await create({ notifications: [{ type: 'email', address: 'me@example.com' }] });
      expect(created.status, created.raw).toBe(200);
      const url = `https://hooks.example.com/${method.toLowerCase()}`;
      const res = await rest(t.app, method, `/api/v1/tasks/${created.body.id}`, u.headers, {
        notifications: [
          { type: 'webhook', url, headers: null },
          { type: 'email', address: 'me@example.com', template: null, url: null, method: 'POST', headers: null },
        ],
      });
      expect(res.status, res.raw).toBe(200);
      expect(res.body.webhook_secret).toMatch(/^whsec_/);
      const [hook, email] = res.body.notifications;
      for (const item of [hook, email]) for (const k of CONFIG_KEYS) expect(item).toHaveProperty(k);
      expect(hook).toMatchObject({
        type: 'webhook',
        address: null,
        template: null,
        url,
        method: 'POST',
        headers: null,
      });
      expect(email).toEqual({
        type: 'email',
        address: 'me@example.com',
        template: null,
        url: null,
        method: 'POST',
        headers: null,
      });
      // Torale's flat summary of the same targets.
      expect(res.body).toMatchObject({ notification_channels: ['webhook', 'email'], webhook_url: url });
      const read = await rest(t.app, 'GET', `/api/v1/tasks/${created.body.id}`, u.headers);
      expect(read.body.notifications).toEqual(res.body.notifications);

      // Headers given, then null again: the given ones are dropped.
      const withHeaders = await rest(t.app, method, `/api/v1/tasks/${created.body.id}`, u.headers, {
        notifications: [{ type: 'webhook', url, headers: { Authorization: 'Bearer x' } }],
      });
      expect(withHeaders.body.notifications[0].headers).toEqual({ Authorization: expect.any(String) });
      const cleared = await rest(t.app, method, `/api/v1/tasks/${created.body.id}`, u.headers, {
        notifications: [{ type: 'webhook', url, headers: null }],
      });
      expect(cleared.status, cleared.raw).toBe(200);
      expect(cleared.body.notifications[0].headers).toBeNull();
    },
  );
});

describe('PATCH /api/v1/tasks/{id} (the skill’s pause/resume)', () => {
  it('changes only the fields sent; a transition PUT refuses is refused; not yours is 404', async () => {
    const created = await create({ condition_description: 'a date', context: { action: 'tweet' } });
    const id = created.body.id as string;
    const paused = await rest(t.app, 'PATCH', `/api/v1/tasks/${id}`, u.headers, { state: 'paused' });
    expect(paused.status, paused.raw).toBe(200);
    expect(paused.body).toMatchObject({
      id,
      state: 'paused',
      next_run: null,
      name: created.body.name,
      search_query: 'q',
      condition_description: 'a date',
      context: { action: 'tweet' },
    });
    const refused = await rest(t.app, 'PATCH', `/api/v1/tasks/${id}`, u.headers, { state: 'completed' });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ detail: 'Invalid state transition: Cannot transition from paused to completed' });
    expect((await rest(t.app, 'GET', `/api/v1/tasks/${id}`, u.headers)).body.state).toBe('paused');

    const resumed = await rest(t.app, 'PATCH', `/api/v1/tasks/${id}`, u.headers, { state: 'active' });
    expect(resumed.body).toMatchObject({
      state: 'active',
      context: { action: 'tweet' },
      condition_description: 'a date',
    });
    expect(resumed.body.next_run).not.toBeNull();

    const theirs = await rest(t.app, 'PATCH', `/api/v1/tasks/${id}`, other.headers, { state: 'paused' });
    expect(theirs.status).toBe(404);
    expect(theirs.body).toEqual({ detail: 'Task not found' });
    expect((await rest(t.app, 'GET', `/api/v1/tasks/${id}`, u.headers)).body.state).toBe('active');
  });
});

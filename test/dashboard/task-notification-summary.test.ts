// The dashboard's task configuration ("Notification channels" card, TaskConfiguration.tsx) reads
// the flat summary Torale's API returns beside `notifications`: `notification_channels`,
// `notification_email`, `webhook_url`. Without them it showed "No channels configured" for a task
// with a webhook. They are derived from `notifications`, so a non-owner's public view has none.
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
let owner: SignedInUser;
let other: SignedInUser;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway());
  owner = await signIn(t.app, clerk);
  other = await signIn(t.app, clerk);
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

const HOOK = 'https://hooks.example.com/torale';

describe('notification summary on tasks', () => {
  it('lists the channels, email address and webhook URL on create, get, list and update', async () => {
    const created = await rest(t.app, 'POST', '/api/v1/tasks/', owner.headers, {
      search_query: 'Is the new Kindle out?',
      notifications: [
        { type: 'webhook', url: HOOK },
        { type: 'email', address: 'me@example.com' },
      ],
    });
    expect(created.status).toBe(200);
    const summary = {
      notification_channels: ['webhook', 'email'],
      notification_email: 'me@example.com',
      webhook_url: HOOK,
    };
    expect(created.body).toMatchObject(summary);
    const id = created.body.id;

    const got = await rest(t.app, 'GET', `/api/v1/tasks/${id}`, owner.headers);
    expect(got.body).toMatchObject(summary);
    const list = await rest(t.app, 'GET', '/api/v1/tasks/', owner.headers);
    expect(list.body.find((x: { id: string }) => x.id === id)).toMatchObject(summary);

    const updated = await rest(t.app, 'PUT', `/api/v1/tasks/${id}`, owner.headers, {
      notifications: [{ type: 'email', address: 'other@example.com' }],
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      notification_channels: ['email'],
      notification_email: 'other@example.com',
      webhook_url: null,
    });
  });

  it('is empty for a task without notifications and in the public view of a public task', async () => {
    const created = await rest(t.app, 'POST', '/api/v1/tasks/', owner.headers, {
      search_query: 'Has Python 3.15 been released?',
      notifications: [],
    });
    expect(created.body).toMatchObject({ notification_channels: [], notification_email: null, webhook_url: null });

    const withHook = await rest(t.app, 'POST', '/api/v1/tasks/', owner.headers, {
      search_query: 'Is GTA VI out?',
      notifications: [{ type: 'webhook', url: HOOK }],
    });
    const vis = await rest(t.app, 'PATCH', `/api/v1/tasks/${withHook.body.id}/visibility`, owner.headers, {
      is_public: true,
    });
    expect(vis.status).toBe(200);
    for (const [headers, url] of [
      [other.headers, `/api/v1/tasks/${withHook.body.id}`],
      [{}, `/api/v1/public/tasks/id/${withHook.body.id}`],
    ] as const) {
      const res = await rest(t.app, 'GET', url, headers);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ notification_channels: [], notification_email: null, webhook_url: null });
      expect(JSON.stringify(res.body)).not.toContain('hooks.example.com');
    }
  });
});

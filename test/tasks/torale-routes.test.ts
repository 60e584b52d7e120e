// The routes Torale's users and tools hit beside the API (issue 21 item 11), answered as
// Torale's api/main.py, routers/webhooks.py and routers/public_tasks.py answer them:
// GET /health, GET /public/stats, POST /api/v1/webhooks/verify, GET /tasks/{id}/rss.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { rest } from '../helpers/rest.js';

let tdb: TestDatabase;
let t: TestApp;
beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await startApp(tdb, { env: { TORALE_NOAUTH: '1', MAX_USERS: '3', DASHBOARD_URL: 'https://app.example' } });
});
afterAll(async () => {
  await t?.close();
  await tdb?.drop();
});

describe('GET /health', () => {
  it('healthy, or 503 degraded with what is wrong, as Torale says it', async () => {
    const ok = await rest(t.app, 'GET', '/health', {});
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ status: 'healthy' });
    t.container.lifecycle.draining = true;
    try {
      const draining = await rest(t.app, 'GET', '/health', {});
      expect(draining.status).toBe(503);
      expect(draining.body).toEqual({ status: 'degraded', scheduler_running: false, startup_sync_ok: true });
    } finally {
      t.container.lifecycle.draining = false;
    }
  });
});

describe('GET /public/stats', () => {
  it("the landing page's capacity: max_users (MAX_USERS), active users, slots left (never below 0)", async () => {
    const res = await rest(t.app, 'GET', '/public/stats', {});
    expect(res.status).toBe(200);
    // The no-auth user is the one active user.
    expect(res.body).toEqual({ capacity: { max_users: 3, current_users: 1, available_slots: 2 } });
    const db = t.database.db;
    await db
      .insertInto('users')
      .values(
        ['a', 'b', 'c', 'd'].map((n) => ({
          clerk_user_id: `user_stats_${n}`,
          email: `${n}@example.com`,
          is_active: n !== 'd',
        })),
      )
      .execute();
    const fresh = await startApp(tdb, { env: { MAX_USERS: '3' } });
    try {
      const full = await rest(fresh.app, 'GET', '/public/stats', {});
      expect(full.body).toEqual({ capacity: { max_users: 3, current_users: 4, available_slots: 0 } });
    } finally {
      await fresh.close();
    }
  });
});

describe('POST /api/v1/webhooks/verify', () => {
  const verify = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    t.app.inject({ method: 'POST', url: '/api/v1/webhooks/verify', headers, payload: body });

  it('echoes a challenge, answers url_verification, acknowledges anything else', async () => {
    const slack = await verify(
      JSON.stringify({
        token: 'x',
        challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
        type: 'url_verification',
      }),
    );
    expect(slack.statusCode).toBe(200);
    expect(slack.json()).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
    expect((await verify(JSON.stringify({ challenge: 42 }))).json()).toEqual({ challenge: 42 });
    expect((await verify(JSON.stringify({ type: 'url_verification' }))).json()).toEqual({ challenge: '' });
    expect((await verify(JSON.stringify({ hello: 'world' }))).json()).toEqual({ message: 'Verification endpoint' });
  });

  it("400 in Torale's words for a body that is not JSON", async () => {
    for (const body of ['{not json', '']) {
      const res = await verify(body);
      expect(res.statusCode, body).toBe(400);
      expect(res.json()).toEqual({ detail: 'Invalid verification request: not valid JSON' });
    }
  });
});

describe('GET /tasks/{id}/rss', () => {
  it("RSS 2.0 of a public task's successful runs, newest first, as Torale builds it", async () => {
    const created = await rest(
      t.app,
      'POST',
      '/api/v1/tasks',
      {},
      {
        name: 'Feed <me>',
        search_query: 'q',
        condition_description: 'a date & a place',
        state: 'paused',
      },
    );
    expect(created.status, created.raw).toBe(200);
    const id = created.body.id as string;
    const db = t.database.db;
    const sources = [{ url: 'https://www.apple.com/newsroom/', title: 'www.apple.com' }];
    const run = (
      at: string,
      notification: string | null,
      evidence: string,
      status: 'success' | 'failed' = 'success',
    ) => ({
      task_id: id,
      status,
      started_at: at,
      completed_at: new Date(at),
      notification,
      grounding_sources: JSON.stringify(sources),
      result: JSON.stringify({ evidence, notification, grounding_sources: sources }),
    });
    const [older, newer] = await db
      .insertInto('task_executions')
      .values([
        run('2026-12-01T10:00:00Z', null, 'x'.repeat(120)),
        run('2026-12-02T10:00:00Z', 'Announced: 9 September', 'Apple said so'),
        run('2026-12-03T10:00:00Z', 'FAILED RUN', 'never listed', 'failed'),
      ])
      .returning('id')
      .execute();

    // Private: 404 for everyone, the owner too (Torale's check is is_public alone).
    const hidden = await rest(t.app, 'GET', `/tasks/${id}/rss`, {});
    expect(hidden.status).toBe(404);
    expect(hidden.body).toEqual({ detail: 'Task not found' });
    expect((await rest(t.app, 'PATCH', `/api/v1/tasks/${id}/visibility`, {}, { is_public: true })).status).toBe(200);

    // The self link names the host asked, as https (no-auth mode takes loopback hosts only).
    const res = await t.app.inject({ method: 'GET', url: `/tasks/${id}/rss`, headers: { host: 'localhost:8443' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/rss\+xml/);
    const xml = res.body;
    expect(xml.startsWith("<?xml version='1.0' encoding='utf-8'?>\n<rss")).toBe(true);
    expect(xml).toContain('version="2.0"');
    expect(xml).toContain('<title>Feed &lt;me&gt; - Torale Monitor</title>');
    expect(xml).toContain(`<link>https://app.example/tasks/${id}</link>`);
    expect(xml).toContain('<description>Monitoring results for: a date &amp; a place</description>');
    expect(xml).toContain(
      `<atom:link rel="self" type="application/rss+xml" href="https://localhost:8443/tasks/${id}/rss" />`,
    );
    const items = [...xml.matchAll(/<item>([\s\S]*?)<\/item>/g)].map((m) => m[1] as string);
    expect(items).toHaveLength(2);
    expect(items[0]).toBe(
      [
        '<title>Announced: 9 September</title>',
        `<link>https://app.example/tasks/${id}</link>`,
        `<guid isPermaLink="false">${newer?.id}</guid>`,
        '<pubDate>Wed, 02 Dec 2026 10:00:00 +0000</pubDate>',
        '<description>Apple said so\n\n\nSources:\n- www.apple.com: https://www.apple.com/newsroom/</description>',
        '<category>Condition Met</category>',
      ].join(''),
    );
    expect(items[1]).toContain(`<title>${'x'.repeat(100)}...</title>`);
    expect(items[1]).toContain(`<guid isPermaLink="false">${older?.id}</guid>`);
    expect(items[1]).not.toContain('<category>');
    expect(xml).not.toContain('FAILED RUN');

    const notUuid = await rest(t.app, 'GET', '/tasks/abc/rss', {});
    expect(notUuid.status).toBe(422);
    expect(notUuid.body.detail[0]).toMatchObject({ type: 'uuid_parsing', loc: ['path', 'task_id'] });
    expect((await rest(t.app, 'GET', '/tasks/00000000-0000-4000-8000-000000000000/rss', {})).status).toBe(404);
  });
});

// The user's default webhook (settings → WebhookConfigSection): config with a secret shown
// once, a signed test ping, and the target new tasks get when created without notifications.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateTaskDocument,
  TestDefaultWebhookDocument,
  UpdateWebhookConfigDocument,
  WebhookConfigDocument,
} from '../gql/graphql.js';
import { startApp, type TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { codeOf, gql } from '../helpers/gql.js';
import { clerkEnv, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { expectValidSignature } from '../runs/helpers.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
/** Allows loopback http targets (the receiver). */
let t: TestApp;
/** The production rules: https only, no private addresses. */
let strict: TestApp;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  ({ tdb, clerk, t } = await startClerkGateway({ env: { WEBHOOK_ALLOW_INSECURE_TARGETS: '1' } }));
  strict = await startApp(tdb, { env: clerkEnv(clerk) });
});
afterAll(async () => {
  await strict?.close();
  await stopClerkGateway({ t, clerk, tdb });
  await receiver?.close();
});

const CONFIG = '/api/v1/webhooks/config';
const SECRET_RE = /^whsec_[A-Za-z0-9+/]{43}=$/;
const hintOf = (secret: string) => `${secret.slice(0, 10)}…${secret.slice(-4)}`;
const storedTaskSecret = async (id: string) =>
  (await tdb.database.db.selectFrom('tasks').select('webhook_secret').where('id', '=', id).executeTakeFirstOrThrow())
    .webhook_secret;

describe('GET/PUT /api/v1/webhooks/config', () => {
  it('starts empty; the PUT that makes the secret shows it once, then only a masked hint', async () => {
    const u = await signIn(strict.app, clerk);
    const fresh = await rest(strict.app, 'GET', CONFIG, u.headers);
    expect(fresh.status).toBe(200);
    expect(fresh.body).toEqual({ url: null, secret: null, enabled: false });

    // WebhookConfigSection's first Save: the URL typed, enabled still false.
    const saved = await rest(strict.app, 'PUT', CONFIG, u.headers, {
      webhook_url: 'https://Hooks.Example.com/torale',
      enabled: false,
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ url: 'https://hooks.example.com/torale', secret: expect.any(String), enabled: false });
    const secret = saved.body.secret as string;
    expect(secret).toMatch(SECRET_RE);

    const read = await rest(strict.app, 'GET', CONFIG, u.headers);
    expect(read.body).toEqual({ url: 'https://hooks.example.com/torale', secret: hintOf(secret), enabled: false });
    expect(read.raw).not.toContain(secret);

    // The toggle: same URL, enabled → the same secret, as a hint.
    const enabled = await rest(strict.app, 'PUT', CONFIG, u.headers, {
      webhook_url: 'https://hooks.example.com/torale',
      enabled: true,
    });
    expect(enabled.body).toEqual({ url: 'https://hooks.example.com/torale', secret: hintOf(secret), enabled: true });

    // Another URL → a new secret, shown once.
    const moved = await rest(strict.app, 'PUT', CONFIG, u.headers, {
      webhook_url: 'https://hooks.example.com/other',
      enabled: true,
    });
    expect(moved.body.secret).toMatch(SECRET_RE);
    expect(moved.body.secret).not.toBe(secret);
    expect((await rest(strict.app, 'GET', CONFIG, u.headers)).body.secret).toBe(hintOf(moved.body.secret));

    // No URL clears it (secret included); `enabled` alone is not enough to keep one.
    for (const body of [{ webhook_url: null, enabled: true }, {}]) {
      await rest(strict.app, 'PUT', CONFIG, u.headers, { webhook_url: 'https://hooks.example.com/x', enabled: true });
      const cleared = await rest(strict.app, 'PUT', CONFIG, u.headers, body);
      expect(cleared.status).toBe(200);
      expect(cleared.body).toEqual({ url: null, secret: null, enabled: false });
      expect((await rest(strict.app, 'GET', CONFIG, u.headers)).body).toEqual({
        url: null,
        secret: null,
        enabled: false,
      });
    }
  });

  it('URLs follow the task webhook rules: 400 Invalid notification, 422 for a malformed body', async () => {
    const u = await signIn(strict.app, clerk);
    for (const [url, why] of [
      ['http://hooks.example.com/x', 'webhook url must use https'],
      ['https://10.0.0.7/x', 'webhook url must not target loopback, private or link-local addresses'],
      ['https://localhost/x', 'webhook url must not target loopback, private or link-local addresses'],
    ]) {
      const res = await rest(strict.app, 'PUT', CONFIG, u.headers, { webhook_url: url, enabled: true });
      expect(res.status, url).toBe(400);
      expect(res.body).toEqual({ detail: `Invalid notification: ${why}` });
    }
    for (const body of [
      { webhook_url: 'not a url' },
      { webhook_url: 42 },
      { webhook_url: '' },
      { webhook_url: 'https://a.example.com', enabled: 'yes' },
    ]) {
      expect((await rest(strict.app, 'PUT', CONFIG, u.headers, body)).status).toBe(422);
    }
    expect((await rest(strict.app, 'GET', CONFIG, u.headers)).body.url).toBeNull();
  });

  it('is owner-only: another user never sees yours; anonymous is 401', async () => {
    const a = await signIn(strict.app, clerk);
    const b = await signIn(strict.app, clerk);
    await rest(strict.app, 'PUT', CONFIG, a.headers, { webhook_url: 'https://a.example.com/hook', enabled: true });
    expect((await rest(strict.app, 'GET', CONFIG, b.headers)).body).toEqual({
      url: null,
      secret: null,
      enabled: false,
    });
    for (const [method, url, body] of [
      ['GET', CONFIG, undefined],
      ['PUT', CONFIG, { webhook_url: 'https://a.example.com/hook' }],
      ['POST', '/api/v1/webhooks/test', { webhook_url: 'https://a.example.com/hook', webhook_secret: 's' }],
    ] as const) {
      const res = await rest(strict.app, method, url, {}, body);
      expect(res.status, `${method} ${url}`).toBe(401);
      expect(res.body).toEqual({ detail: 'Authorization header missing' });
    }
  });

  it('GraphQL webhookConfig / updateWebhookConfig share the rules', async () => {
    const u = await signIn(strict.app, clerk);
    const set = await gql(strict.app, UpdateWebhookConfigDocument, { url: 'https://g.example.com/h' }, u.headers);
    expect(set.data?.updateWebhookConfig).toEqual({
      url: 'https://g.example.com/h',
      secret: expect.stringMatching(SECRET_RE),
      enabled: false,
    });
    const secret = set.data!.updateWebhookConfig.secret!;
    const read = await gql(strict.app, WebhookConfigDocument, {}, u.headers);
    expect(read.data?.webhookConfig).toEqual({
      url: 'https://g.example.com/h',
      secret: hintOf(secret),
      enabled: false,
    });
    const bad = await gql(strict.app, UpdateWebhookConfigDocument, { url: 'http://g.example.com' }, u.headers);
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.message).toBe('Invalid notification: webhook url must use https');
    expect(codeOf(await gql(strict.app, WebhookConfigDocument, {}))).toBe('UNAUTHENTICATED');
    const cleared = await gql(strict.app, UpdateWebhookConfigDocument, { url: null, enabled: true }, u.headers);
    expect(cleared.data?.updateWebhookConfig).toEqual({ url: null, secret: null, enabled: false });
  });
});

describe('tasks created without notifications get the enabled default webhook', () => {
  it('signed with the default secret (not repeated in the response); explicit notifications win', async () => {
    const u = await signIn(strict.app, clerk);
    const create = (body: object) =>
      rest(strict.app, 'POST', '/api/v1/tasks', u.headers, { search_query: 'Is it out?', ...body });

    // None yet, then a disabled one: nothing is attached.
    expect((await create({ name: 'none' })).body.notifications).toEqual([]);
    const saved = await rest(strict.app, 'PUT', CONFIG, u.headers, { webhook_url: 'https://d.example.com/hook' });
    const secret = saved.body.secret as string;
    expect((await create({ name: 'disabled' })).body.notifications).toEqual([]);

    await rest(strict.app, 'PUT', CONFIG, u.headers, { webhook_url: 'https://d.example.com/hook', enabled: true });
    const task = await create({ name: 'defaulted', attached_connector_slugs: [] });
    expect(task.status).toBe(200);
    expect(task.body.notifications).toEqual([
      {
        type: 'webhook',
        address: null,
        template: null,
        url: 'https://d.example.com/hook',
        method: 'POST',
        headers: null,
        disabled_at: null,
        disabled_reason: null,
      },
    ]);
    expect(task.body.webhook_secret).toBeUndefined();
    expect(task.raw).not.toContain(secret);
    expect(await storedTaskSecret(task.body.id)).toBe(secret);

    // An explicit list, even empty, is what the caller asked for.
    expect((await create({ name: 'explicit none', notifications: [] })).body.notifications).toEqual([]);
    const own = await create({
      name: 'explicit hook',
      notifications: [{ type: 'webhook', url: 'https://mine.example.com/x' }],
    });
    expect(own.body.notifications).toEqual([
      {
        type: 'webhook',
        address: null,
        template: null,
        url: 'https://mine.example.com/x',
        method: 'POST',
        headers: null,
        disabled_at: null,
        disabled_reason: null,
      },
    ]);
    expect(own.body.webhook_secret).toMatch(SECRET_RE);
    expect(own.body.webhook_secret).not.toBe(secret);

    // GraphQL createTask without notifications: the same.
    const g = await gql(
      strict.app,
      CreateTaskDocument,
      { input: { name: 'graphql defaulted', searchQuery: 'q' } },
      u.headers,
    );
    expect(g.data?.createTask.notifications).toEqual([
      { type: 'WEBHOOK', url: 'https://d.example.com/hook', method: 'POST', headers: {}, address: null },
    ]);
    expect(g.data?.createTask.webhookSecret).toBeNull();
    expect(await storedTaskSecret(g.data!.createTask.id)).toBe(secret);

    // Another user's tasks never get it.
    const other = await signIn(strict.app, clerk);
    const theirs = await rest(strict.app, 'POST', '/api/v1/tasks', other.headers, { search_query: 'q' });
    expect(theirs.body.notifications).toEqual([]);
  });
});

describe('POST /api/v1/webhooks/test', () => {
  it('pings the saved URL signed with the stored secret when given the masked hint', async () => {
    const u = await signIn(t.app, clerk);
    const saved = await rest(t.app, 'PUT', CONFIG, u.headers, { webhook_url: receiver.url, enabled: true });
    const secret = saved.body.secret as string;
    const config = (await rest(t.app, 'GET', CONFIG, u.headers)).body;
    receiver.received.length = 0;
    // WebhookConfigSection's handleTest: testWebhook(config.url, config.secret).
    const res = await rest(t.app, 'POST', '/api/v1/webhooks/test', u.headers, {
      webhook_url: config.url,
      webhook_secret: config.secret,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, message: 'Webhook delivered successfully (HTTP 200)' });
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    expect(got.method).toBe('POST');
    expect(got.headers['x-torale-event']).toBe('task.condition_met');
    expect(got.headers['x-torale-delivery']).toMatch(/^test_[0-9a-f]{16}$/);
    expectValidSignature(got.headers['x-torale-signature'], got.body, secret);
    expect(JSON.parse(got.body)).toMatchObject({
      event_type: 'task.condition_met',
      data: { task: { name: 'Test Task' }, execution: { notification: 'Test notification text' } },
    });
  });

  it('pings another URL signed with the secret given; failures are 400 "Webhook delivery failed: …"', async () => {
    const u = await signIn(t.app, clerk);
    receiver.received.length = 0;
    const other = `${receiver.url}/elsewhere`;
    const ok = await rest(t.app, 'POST', '/api/v1/webhooks/test', u.headers, {
      webhook_url: other,
      webhook_secret: 'whsec_given',
    });
    expect(ok.body.success).toBe(true);
    expectValidSignature(
      receiver.received[0]!.headers['x-torale-signature'],
      receiver.received[0]!.body,
      'whsec_given',
    );

    receiver.statuses.push(500);
    const failed = await rest(t.app, 'POST', '/api/v1/webhooks/test', u.headers, {
      webhook_url: other,
      webhook_secret: 's',
    });
    expect(failed.status).toBe(400);
    expect(failed.body).toEqual({ detail: 'Webhook delivery failed: HTTP 500' });

    const closed = await rest(t.app, 'POST', '/api/v1/webhooks/test', u.headers, {
      webhook_url: 'http://127.0.0.1:9/hook',
      webhook_secret: 's',
    });
    expect(closed.status).toBe(400);
    // No network detail (issue 23, finding 17): a refused port reads like any unreachable target.
    expect(closed.body).toEqual({ detail: 'Webhook delivery failed: the target could not be reached' });
    expect((await rest(t.app, 'POST', '/api/v1/webhooks/test', u.headers, { webhook_url: other })).status).toBe(422);
  });

  it('applies the target rules before sending anything', async () => {
    const u = await signIn(strict.app, clerk);
    receiver.received.length = 0;
    for (const [url, why] of [
      [receiver.url, 'webhook url must use https'],
      ['https://127.0.0.1/x', 'webhook url must not target loopback, private or link-local addresses'],
      [
        'https://169.254.169.254/latest/meta-data',
        'webhook url must not target loopback, private or link-local addresses',
      ],
    ]) {
      const res = await rest(strict.app, 'POST', '/api/v1/webhooks/test', u.headers, {
        webhook_url: url,
        webhook_secret: 's',
      });
      expect(res.status, url).toBe(400);
      expect(res.body).toEqual({ detail: `Webhook delivery failed: ${why}` });
    }
    expect(receiver.received).toHaveLength(0);
  });

  it('allows 5 pings a minute per user, then 429 with Retry-After', async () => {
    const u = await signIn(t.app, clerk);
    const ping = () =>
      rest(t.app, 'POST', '/api/v1/webhooks/test', u.headers, { webhook_url: receiver.url, webhook_secret: 's' });
    for (let i = 0; i < 5; i++) expect((await ping()).status).toBe(200);
    const limited = await ping();
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ detail: 'Too many requests' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Someone else still may.
    const v = await signIn(t.app, clerk);
    const theirs = await gql(t.app, TestDefaultWebhookDocument, { url: receiver.url, secret: 's' }, v.headers);
    expect(theirs.data?.testDefaultWebhook).toEqual({
      success: true,
      message: 'Webhook delivered successfully (HTTP 200)',
    });
  });
});

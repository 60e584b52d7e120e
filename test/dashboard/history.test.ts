// Notification history on the settings page (NotificationHistorySection): webhook
// deliveries as `{deliveries, total}` and notification sends as `{sends, total}`, views over
// the deliveries the runs recorded; owner-only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMAIL_SKIPPED } from '../../src/notifications/emails.js';
import { NotificationSendsDocument, WebhookDeliveryHistoryDocument } from '../gql/graphql.js';
import type { TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { codeOf, gql } from '../helpers/gql.js';
import { type SignedInUser, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';
import { insertDelivery, insertRun } from './seed.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
let owner: SignedInUser;
let other: SignedInUser;
const id: Record<string, string> = {};
const HOOK = 'https://hooks.example.com/torale';

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway());
  owner = await signIn(t.app, clerk);
  other = await signIn(t.app, clerk);
  const task = async (u: SignedInUser, name: string) =>
    (await rest(t.app, 'POST', '/api/v1/tasks', u.headers, { name, search_query: 'q', state: 'paused' })).body.id;
  const db = tdb.database;
  id.a = await task(owner, 'A');
  id.b = await task(owner, 'B');
  id.c = await task(other, 'C');
  const ea = (await insertRun(db, id.a, { notification: 'n' })).id;
  const eb = (await insertRun(db, id.b, { notification: 'n' })).id;
  const ec = (await insertRun(db, id.c, { notification: 'n' })).id;
  id.ea = ea;
  // Oldest first.
  id.delivered = (
    await insertDelivery(db, id.a, ea, {
      channel: 'webhook',
      target: HOOK,
      status: 'delivered',
      attempts: [{ code: 200 }],
    })
  ).id;
  id.failed = (
    await insertDelivery(db, id.a, ea, {
      channel: 'webhook',
      target: HOOK,
      status: 'failed',
      reason: 'connect ECONNREFUSED 203.0.113.9:443',
      attempts: [{ code: 500 }, { code: null, error: 'connect ECONNREFUSED 203.0.113.9:443' }],
    })
  ).id;
  id.email = (
    await insertDelivery(db, id.a, ea, {
      channel: 'email',
      target: 'me@example.com',
      status: 'skipped',
      reason: EMAIL_SKIPPED,
    })
  ).id;
  id.theirs = (
    await insertDelivery(db, id.c, ec, { channel: 'webhook', target: 'https://theirs.example.com/x', status: 'failed' })
  ).id;
  id.retrying = (
    await insertDelivery(db, id.a, ea, {
      channel: 'webhook',
      target: HOOK,
      status: 'pending',
      attempts: [{ code: 503 }],
    })
  ).id;
  id.b1 = (
    await insertDelivery(db, id.b, eb, {
      channel: 'webhook',
      target: HOOK,
      status: 'delivered',
      attempts: [{ code: 204 }],
    })
  ).id;
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

const DELIVERY_KEYS = [
  'id',
  'task_id',
  'execution_id',
  'webhook_url',
  'status',
  'http_status_code',
  'attempts',
  'next_retry_at',
  'error_message',
  'created_at',
  'delivered_at',
  'failed_at',
  'http_status',
  'attempt_number',
].sort();
/** What Torale's webhook_deliveries query selects (routers/webhooks.py). */
const TORALE_KEYS = [
  'id',
  'task_id',
  'webhook_url',
  'http_status',
  'attempt_number',
  'delivered_at',
  'failed_at',
  'error_message',
  'created_at',
];

describe('GET /api/v1/webhooks/deliveries', () => {
  it("lists the webhook deliveries of your tasks, newest first, as Torale's bare array", async () => {
    // Torale's routers/webhooks.py answers a list; its SDK's list_deliveries iterates it.
    const res = await rest(t.app, 'GET', '/api/v1/webhooks/deliveries?limit=10', owner.headers);
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.body.map((d: { id: string }) => d.id)).toEqual([id.b1, id.retrying, id.failed, id.delivered]);
    for (const d of res.body) expect(Object.keys(d).sort()).toEqual(DELIVERY_KEYS);
    // Torale's columns, typed as it types them (uuid strings, int|null, ISO time|null, string|null).
    for (const d of res.body) {
      for (const k of TORALE_KEYS) expect(d).toHaveProperty(k);
      expect(typeof d.id).toBe('string');
      expect(typeof d.task_id).toBe('string');
      expect(typeof d.webhook_url).toBe('string');
      expect(d.http_status === null || Number.isInteger(d.http_status)).toBe(true);
      expect(Number.isInteger(d.attempt_number)).toBe(true);
      for (const k of ['delivered_at', 'failed_at'] as const)
        expect(d[k] === null || !Number.isNaN(Date.parse(d[k]))).toBe(true);
      expect(d.error_message === null || typeof d.error_message === 'string').toBe(true);
      expect(Date.parse(d.created_at)).not.toBeNaN();
    }
    const [b1, retrying, failed, delivered] = res.body;
    // Read by the dashboard: id, webhook_url, created_at, http_status_code, status, attempts,
    // next_retry_at, error_message.
    expect(delivered).toMatchObject({
      task_id: id.a,
      execution_id: id.ea,
      webhook_url: HOOK,
      status: 'success',
      http_status_code: 200,
      attempts: 1,
      next_retry_at: null,
      error_message: null,
      failed_at: null,
      http_status: 200,
      attempt_number: 1,
    });
    expect(Date.parse(delivered.delivered_at)).toBeGreaterThan(Date.parse(delivered.created_at));
    expect(failed).toMatchObject({
      status: 'failed',
      http_status_code: null,
      attempts: 2,
      error_message: 'connect ECONNREFUSED 203.0.113.9:443',
      delivered_at: null,
      attempt_number: 2,
    });
    expect(Date.parse(failed.failed_at)).toBeGreaterThan(Date.parse(failed.created_at));
    // Still being tried: the last attempt's status and why. No job engine here, so no next time.
    expect(retrying).toMatchObject({
      status: 'retrying',
      http_status_code: 503,
      attempts: 1,
      error_message: 'HTTP 503',
      next_retry_at: null,
      delivered_at: null,
      failed_at: null,
    });
    expect(b1).toMatchObject({ task_id: id.b, status: 'success', http_status_code: 204 });
    expect(res.raw).not.toContain('theirs.example.com');
    expect(res.raw).not.toContain('me@example.com');
  });

  it('filters by task (yours, else 404 Task not found) and pages with limit/offset', async () => {
    const onlyB = await rest(t.app, 'GET', `/api/v1/webhooks/deliveries?task_id=${id.b}`, owner.headers);
    expect(onlyB.body).toEqual([expect.objectContaining({ id: id.b1, task_id: id.b })]);
    const page = await rest(t.app, 'GET', '/api/v1/webhooks/deliveries?limit=2&offset=1', owner.headers);
    expect(page.body.map((d: { id: string }) => d.id)).toEqual([id.retrying, id.failed]);
    for (const taskId of [id.c, '00000000-0000-4000-8000-000000000000']) {
      const res = await rest(t.app, 'GET', `/api/v1/webhooks/deliveries?task_id=${taskId}`, owner.headers);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ detail: 'Task not found' });
    }
    const notUuid = await rest(t.app, 'GET', '/api/v1/webhooks/deliveries?task_id=abc', owner.headers);
    expect(notUuid.status).toBe(422);
    expect(notUuid.body.detail[0]).toMatchObject({ type: 'uuid_parsing', loc: ['query', 'task_id'] });
    for (const q of ['limit=0', 'limit=101', 'offset=-1', 'offset=10001', 'limit=x']) {
      expect((await rest(t.app, 'GET', `/api/v1/webhooks/deliveries?${q}`, owner.headers)).status, q).toBe(422);
    }
  });

  it('another user sees only theirs; anonymous is 401', async () => {
    const theirs = await rest(t.app, 'GET', '/api/v1/webhooks/deliveries', other.headers);
    expect(theirs.body).toEqual([expect.objectContaining({ id: id.theirs, status: 'failed' })]);
    const anon = await rest(t.app, 'GET', '/api/v1/webhooks/deliveries', {});
    expect(anon.status).toBe(401);
    expect(anon.body).toEqual({ detail: 'Authorization header missing' });
  });

  it('GraphQL webhookDeliveryHistory answers the same', async () => {
    const g = await gql(t.app, WebhookDeliveryHistoryDocument, { limit: 10 }, owner.headers);
    expect(g.data?.webhookDeliveryHistory.total).toBe(4);
    expect(g.data?.webhookDeliveryHistory.deliveries.map((d) => [d.id, d.status, d.httpStatusCode])).toEqual([
      [id.b1, 'SUCCESS', 204],
      [id.retrying, 'RETRYING', 503],
      [id.failed, 'FAILED', null],
      [id.delivered, 'SUCCESS', 200],
    ]);
    expect(codeOf(await gql(t.app, WebhookDeliveryHistoryDocument, { taskId: id.c }, owner.headers))).toBe('NOT_FOUND');
    expect(codeOf(await gql(t.app, WebhookDeliveryHistoryDocument, { limit: 0 }, owner.headers))).toBe(
      'BAD_USER_INPUT',
    );
    expect(codeOf(await gql(t.app, WebhookDeliveryHistoryDocument, {}))).toBe('UNAUTHENTICATED');
  });
});

describe('GET /api/v1/notifications/sends', () => {
  it('email sends (what the dashboard asks for): recipient, status, created_at', async () => {
    // NotificationHistorySection: getNotificationSends({ notification_type: 'email', limit: 10 }).
    const res = await rest(t.app, 'GET', '/api/v1/notifications/sends?notification_type=email&limit=10', owner.headers);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      sends: [
        {
          id: id.email,
          user_id: owner.userId,
          task_id: id.a,
          execution_id: id.ea,
          recipient: 'me@example.com',
          notification_type: 'email',
          status: 'skipped',
          error_message: EMAIL_SKIPPED,
          created_at: expect.stringMatching(/Z$/),
        },
      ],
      total: 1,
    });
  });

  it('without a type lists webhooks too (recipient = URL); filters by task; owner-only', async () => {
    const all = await rest(t.app, 'GET', '/api/v1/notifications/sends', owner.headers);
    expect(all.body.total).toBe(5);
    expect(
      all.body.sends.map((s: { id: string; notification_type: string; status: string }) => [
        s.id,
        s.notification_type,
        s.status,
      ]),
    ).toEqual([
      [id.b1, 'webhook', 'success'],
      [id.retrying, 'webhook', 'retrying'],
      [id.email, 'email', 'skipped'],
      [id.failed, 'webhook', 'failed'],
      [id.delivered, 'webhook', 'success'],
    ]);
    expect(all.body.sends[0].recipient).toBe(HOOK);
    const hooks = await rest(
      t.app,
      'GET',
      `/api/v1/notifications/sends?notification_type=webhook&task_id=${id.b}`,
      owner.headers,
    );
    expect(hooks.body).toEqual({ sends: [expect.objectContaining({ id: id.b1 })], total: 1 });
    const paged = await rest(t.app, 'GET', '/api/v1/notifications/sends?limit=1&offset=4', owner.headers);
    expect(paged.body.sends.map((s: { id: string }) => s.id)).toEqual([id.delivered]);

    const foreign = await rest(t.app, 'GET', `/api/v1/notifications/sends?task_id=${id.c}`, owner.headers);
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual({ detail: 'Task not found' });
    const theirs = await rest(t.app, 'GET', '/api/v1/notifications/sends', other.headers);
    expect(theirs.body.sends.map((s: { id: string }) => s.id)).toEqual([id.theirs]);
    expect(theirs.raw).not.toContain('me@example.com');
    for (const q of ['notification_type=sms', 'task_id=1', 'limit=101', 'offset=-1']) {
      expect((await rest(t.app, 'GET', `/api/v1/notifications/sends?${q}`, owner.headers)).status, q).toBe(422);
    }
    expect((await rest(t.app, 'GET', '/api/v1/notifications/sends', {})).status).toBe(401);
  });

  it('GraphQL notificationSends answers the same', async () => {
    const g = await gql(t.app, NotificationSendsDocument, { notificationType: 'EMAIL', limit: 10 }, owner.headers);
    expect(g.data?.notificationSends).toEqual({
      total: 1,
      sends: [
        expect.objectContaining({
          id: id.email,
          userId: owner.userId,
          recipient: 'me@example.com',
          notificationType: 'EMAIL',
          status: 'SKIPPED',
          errorMessage: EMAIL_SKIPPED,
        }),
      ],
    });
    expect(codeOf(await gql(t.app, NotificationSendsDocument, {}))).toBe('UNAUTHENTICATED');
  });
});

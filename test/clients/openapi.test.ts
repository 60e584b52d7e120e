// The REST reference cannot drift: every REST route is in /openapi.json, and what each
// route returns matches the response schema documented for its status.
import Ajv from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertDelivery, insertRun } from '../dashboard/seed.js';
import { bearer, type TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { type SignedInUser, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';

interface OpenApi {
  openapi: string;
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
}

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
let spec: OpenApi;
let u: SignedInUser;
let other: SignedInUser;
const ajv = new Ajv.default({ strict: false, allErrors: true });
ajv.addFormat('uuid', /^[0-9a-f-]{36}$/);
ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway());
  spec = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  u = await signIn(t.app, clerk);
  other = await signIn(t.app, clerk);
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z_]+)/g, '{$1}');

/** Checks a response against the documented schema and that no documented field is missing. */
function expectDocumented(method: string, route: string, res: { status: number; body: unknown }) {
  const op = spec.paths[toOpenApiPath(route)]?.[method.toLowerCase()];
  expect(op, `${method} ${route} is documented`).toBeDefined();
  const documented = op!.responses[String(res.status)];
  expect(documented, `${method} ${route} documents status ${res.status}`).toBeDefined();
  const schema = documented!.content?.['application/json']?.schema;
  if (res.status === 204) return;
  expect(schema).toBeDefined();
  const validate = ajv.compile(schema!);
  expect(validate(res.body), `${method} ${route} ${res.status}: ${JSON.stringify(validate.errors)}`).toBe(true);
}

describe('OpenAPI', () => {
  it('is OpenAPI 3 and lists every REST route', () => {
    expect(spec.openapi).toMatch(/^3\./);
    const rest = t.routes.filter(
      (r) => !r.hidden && r.method !== 'HEAD' && (r.url.startsWith('/auth') || r.url.startsWith('/api/')),
    );
    expect(rest.length).toBeGreaterThanOrEqual(18);
    const missing = rest.filter((r) => !spec.paths[toOpenApiPath(r.url)]?.[r.method.toLowerCase()]);
    expect(missing).toEqual([]);
  });

  it('is browsable at /docs', async () => {
    let res = await t.app.inject({ method: 'GET', url: '/docs' });
    for (let hops = 0; hops < 3 && res.statusCode === 302; hops++) {
      const location = String(res.headers.location);
      res = await t.app.inject({
        method: 'GET',
        url: location.startsWith('/') ? location : `/docs/${location.replace(/^\.\//, '')}`,
      });
    }
    expect(res.statusCode).toBe(200);
    expect(res.body.toLowerCase()).toContain('swagger');
  });

  it('every route returns what it documents, for success and error statuses', async () => {
    const h = u.headers;
    const calls: [string, string, string, Record<string, string>, unknown?][] = [];
    const call = async (
      method: string,
      route: string,
      url: string,
      headers: Record<string, string>,
      body?: unknown,
    ) => {
      const res = await rest(t.app, method as never, url, headers, body);
      expectDocumented(method, route, res);
      calls.push([method, route, url, headers, body]);
      return res;
    };
    await call('GET', '/auth/me', '/auth/me', h);
    await call('GET', '/auth/me', '/auth/me', {});
    await call('POST', '/auth/sync-user', '/auth/sync-user', h);
    await call('POST', '/auth/mark-welcome-seen', '/auth/mark-welcome-seen', h);
    const key = await call('POST', '/auth/api-keys', '/auth/api-keys', h, { name: 'doc key' });
    await call('POST', '/auth/api-keys', '/auth/api-keys', h, { name: 'second' }); // 400
    await call('POST', '/auth/api-keys', '/auth/api-keys', h, {}); // 422
    await call('GET', '/auth/api-keys', '/auth/api-keys', bearer(key.body.key));
    const rotate = '/auth/api-keys/:id/rotate';
    await call('POST', rotate, `/auth/api-keys/${key.body.key_info.id}/rotate`, h, { grace_period_seconds: 0 });
    await call('POST', rotate, `/auth/api-keys/${key.body.key_info.id}/rotate`, h, { grace_period_seconds: -1 }); // 422
    await call('GET', '/auth/security-log', '/auth/security-log?limit=5', h);
    await call('GET', '/auth/security-log', '/auth/security-log?cursor=nonsense', h); // 400
    await call('POST', '/auth/secret-scanning/github', '/auth/secret-scanning/github', {}, []); // 401
    await call('POST', '/webhooks/clerk', '/webhooks/clerk', {}, {}); // 503 (no signing secret)
    await call('DELETE', '/auth/api-keys/:id', `/auth/api-keys/${key.body.key_info.id}`, h);
    await call('DELETE', '/auth/api-keys/:id', `/auth/api-keys/${key.body.key_info.id}`, other.headers); // 404

    const task = await call('POST', '/api/v1/tasks', '/api/v1/tasks', h, {
      name: 'documented',
      search_query: 'q',
      run_immediately: true,
      notifications: [{ type: 'webhook', url: 'https://h.example.com/x' }],
    });
    const id = task.body.id;
    await call('POST', '/api/v1/tasks', '/api/v1/tasks', h, { name: 'documented', search_query: 'q' }); // 409
    await call('GET', '/api/v1/tasks', '/api/v1/tasks', h);
    await call('GET', '/api/v1/tasks/:task_id', `/api/v1/tasks/${id}`, h);
    await call('GET', '/api/v1/tasks/:task_id', `/api/v1/tasks/${id}`, other.headers); // 404
    await call('PUT', '/api/v1/tasks/:task_id', `/api/v1/tasks/${id}`, h, { state: 'paused' });
    await call('PUT', '/api/v1/tasks/:task_id', `/api/v1/tasks/${id}`, h, { state: 'completed' }); // 400
    await call('PATCH', '/api/v1/tasks/:task_id', `/api/v1/tasks/${id}`, h, { state: 'active' });
    await call('PATCH', '/api/v1/tasks/:task_id', `/api/v1/tasks/${id}`, h, { context: [1] }); // 422
    await call('PATCH', '/api/v1/tasks/:task_id/visibility', `/api/v1/tasks/${id}/visibility`, h, { is_public: true });
    await call('POST', '/api/v1/tasks/:task_id/fork', `/api/v1/tasks/${id}/fork`, other.headers, {});
    await call('POST', '/api/v1/tasks/:task_id/execute', `/api/v1/tasks/${id}/execute?force=true`, h);
    await call('POST', '/api/v1/tasks/:task_id/execute', `/api/v1/tasks/${id}/execute`, h); // 409
    await call('GET', '/api/v1/tasks/:task_id/executions', `/api/v1/tasks/${id}/executions`, h);
    await call('GET', '/api/v1/tasks/:task_id/notifications', `/api/v1/tasks/${id}/notifications`, h);
    await call('GET', '/api/v1/public/tasks', '/api/v1/public/tasks?sort_by=popular', {});
    await call('GET', '/api/v1/public/tasks', '/api/v1/public/tasks?limit=0', {}); // 422
    await call('GET', '/api/v1/public/tasks/id/:task_id', `/api/v1/public/tasks/id/${id}`, {});

    // The dashboard's endpoints, over a run that notified.
    const run = await insertRun(tdb.database, id, { notification: 'n', result: { evidence: 'e' } });
    const failed = await insertDelivery(tdb.database, id, run.id, {
      channel: 'webhook',
      target: 'https://h.example.com/x',
      status: 'failed',
      reason: 'HTTP 500',
      attempts: [{ code: 500 }],
    });
    // A task's webhook: rotation, its delivery log, replay, test ping.
    const wh = `/api/v1/tasks/${id}/webhook`;
    await call('POST', '/api/v1/tasks/:id/webhook/rotate-secret', `${wh}/rotate-secret`, h);
    await call('POST', '/api/v1/tasks/:id/webhook/rotate-secret', `${wh}/rotate-secret`, other.headers); // 404
    await call('GET', '/api/v1/tasks/:id/webhook/deliveries', `${wh}/deliveries?limit=5`, h);
    await call('GET', '/api/v1/tasks/:id/webhook/deliveries', `${wh}/deliveries?limit=0`, h); // 422
    await call('GET', '/api/v1/tasks/:id/webhook/deliveries', `${wh}/deliveries?cursor=x`, h); // 400
    const replay = '/api/v1/tasks/:id/webhook/deliveries/:deliveryId/replay';
    await call('POST', replay, `${wh}/deliveries/${failed.id}/replay`, h); // 202
    await call('POST', replay, `${wh}/deliveries/${id}/replay`, h); // 404
    await call('POST', '/api/v1/tasks/:id/webhook/test', `${wh}/test`, other.headers); // 404
    await insertDelivery(tdb.database, id, run.id, { channel: 'email', target: 'a@example.com', status: 'skipped' });
    await call('GET', '/api/v1/tasks/feed', '/api/v1/tasks/feed?limit=5', h);
    await call('GET', '/api/v1/tasks/feed', '/api/v1/tasks/feed?limit=0', h); // 422
    await call('GET', '/api/v1/tasks/feed', '/api/v1/tasks/feed', {}); // 401
    await call('GET', '/api/v1/public/feed', '/api/v1/public/feed', {});
    await call('GET', '/api/v1/public/feed', '/api/v1/public/feed?limit=101', {}); // 422
    await call('GET', '/api/v1/templates', '/api/v1/templates/?category=Tech', {});
    await call('GET', '/api/v1/templates', '/api/v1/templates?category=', {});
    const tpl = 'ef60451e-f057-5cf5-9bbf-e4a138c377c5';
    await call('GET', '/api/v1/templates/:template_id', `/api/v1/templates/${tpl}`, {});
    await call('GET', '/api/v1/templates/:template_id', `/api/v1/templates/${id}`, {}); // 404
    await call('GET', '/api/v1/templates/:template_id', '/api/v1/templates/x', {}); // 422
    await call('GET', '/api/v1/webhooks/config', '/api/v1/webhooks/config', h);
    const hook = { webhook_url: 'https://h.example.com/default', enabled: true };
    await call('PUT', '/api/v1/webhooks/config', '/api/v1/webhooks/config', h, hook);
    await call('PUT', '/api/v1/webhooks/config', '/api/v1/webhooks/config', h, hook); // the hint
    await call('PUT', '/api/v1/webhooks/config', '/api/v1/webhooks/config', h, { webhook_url: 'http://h.example.com' }); // 400
    await call('PUT', '/api/v1/webhooks/config', '/api/v1/webhooks/config', h, { webhook_url: 7 }); // 422
    await call('GET', '/api/v1/webhooks/config', '/api/v1/webhooks/config', h);
    await call('POST', '/api/v1/webhooks/test', '/api/v1/webhooks/test', h, {
      webhook_url: 'https://10.1.2.3/x',
      webhook_secret: 's',
    }); // 400
    await call('POST', '/api/v1/webhooks/test', '/api/v1/webhooks/test', h, {}); // 422
    await call('GET', '/api/v1/webhooks/deliveries', '/api/v1/webhooks/deliveries?limit=10', h);
    await call('GET', '/api/v1/webhooks/deliveries', `/api/v1/webhooks/deliveries?task_id=${id}`, other.headers); // 404
    await call('GET', '/api/v1/webhooks/deliveries', '/api/v1/webhooks/deliveries?task_id=x', h); // 422
    await call('GET', '/api/v1/notifications/sends', '/api/v1/notifications/sends?notification_type=email', h);
    await call('GET', '/api/v1/notifications/sends', '/api/v1/notifications/sends', h);
    await call('GET', '/api/v1/notifications/sends', '/api/v1/notifications/sends?notification_type=sms', h); // 422
    await call('GET', '/api/v1/notifications/sends', '/api/v1/notifications/sends', {}); // 401
    const email = (await rest(t.app, 'GET', '/auth/me', h)).body.email as string;
    const ev = '/api/v1/email-verification';
    await call('GET', `${ev}/verified-emails`, `${ev}/verified-emails`, h);
    await call('POST', `${ev}/send`, `${ev}/send`, h, { email });
    await call('POST', `${ev}/send`, `${ev}/send`, h, { email: 'other@example.com' }); // 503
    await call('POST', `${ev}/send`, `${ev}/send`, h, { email: 'nope' }); // 422
    await call('POST', `${ev}/verify`, `${ev}/verify`, h, { email: 'other@example.com', code: '123456' }); // 503
    await call('POST', `${ev}/verify`, `${ev}/verify`, h, { email: 'other@example.com' }); // 422
    const emailRoute = `${ev}/verified-emails/:email`;
    await call('DELETE', emailRoute, `${ev}/verified-emails/other%40example.com`, h);
    await call('DELETE', emailRoute, `${ev}/verified-emails/${encodeURIComponent(email)}`, h); // 400
    await call('GET', '/api/v1/connectors', '/api/v1/connectors', h);
    await call('GET', '/api/v1/connectors', '/api/v1/connectors', {}); // 401
    await call('GET', '/api/v1/connectors/available', '/api/v1/connectors/available', h);
    await call('DELETE', '/api/v1/tasks/:task_id', `/api/v1/tasks/${id}`, h);
    await call('GET', '/api/v1/public/tasks/id/:task_id', `/api/v1/public/tasks/id/${id}`, {}); // 404
    await call('GET', '/tasks/:task_id/rss', `/tasks/${id}/rss`, {}); // 404
    await call('GET', '/tasks/:task_id/rss', '/tasks/x/rss', {}); // 422
    await call('GET', '/public/stats', '/public/stats', {});
    await call('POST', '/public/waitlist', '/public/waitlist', {}, { email: 'openapi@example.com' });
    await call('POST', '/public/waitlist', '/public/waitlist', {}, { email: 'OpenAPI@example.com' }); // 400
    await call('POST', '/public/waitlist', '/public/waitlist', {}, { email: 'nope' }); // 422
    await call('POST', '/api/v1/webhooks/verify', '/api/v1/webhooks/verify', {}, { challenge: 'c' });
    await call('POST', '/api/v1/webhooks/verify', '/api/v1/webhooks/verify', {}, { hello: 1 });

    // Every documented operation was exercised.
    const exercised = new Set(calls.map(([m, r]) => `${m.toLowerCase()} ${toOpenApiPath(r)}`));
    const documented = Object.entries(spec.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    expect(documented.filter((d) => !exercised.has(d))).toEqual([]);
  });
});

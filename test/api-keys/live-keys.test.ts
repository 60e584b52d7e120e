// Live updates respect the key lifecycle: a subscription needs tasks:read, and a socket
// whose key is rotated closes 4403 when the grace window ends (the rotation is announced
// by the api_keys trigger, the connection re-checks and arms a timer for the new end).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { signIn } from '../helpers/identity.js';
import { subscribe } from '../helpers/live.js';
import { rest } from '../helpers/rest.js';

const TASKS = 'subscription { taskUpdated { id } }';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway({ listen: true, env: { API_KEY_CREATE_LIMIT_PER_MINUTE: '1000' } }));
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

describe('live updates and the key lifecycle', () => {
  it('a key without tasks:read cannot subscribe (FORBIDDEN, requiredScope)', async () => {
    const u = await signIn(t.app, clerk);
    const { key } = (await rest(t.app, 'POST', '/auth/api-keys', u.headers, { name: 'w', scopes: ['tasks:write'] }))
      .body;
    const c = subscribe(t.url!, TASKS, { authorization: `Bearer ${key}` });
    const deadline = Date.now() + 5_000;
    while (c.errors.length + c.events.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    // graphql-ws reports a refused subscription as an error message or as a result with errors.
    type Err = { message: string; extensions?: Record<string, unknown> };
    const errs = (c.errors[0] as Err[] | undefined) ?? (c.events[0]?.data as { errors?: Err[] } | undefined)?.errors;
    expect(c.events.every((e) => (e.data as { data?: unknown }).data == null)).toBe(true);
    expect(errs?.[0]?.message).toBe('API key lacks the required scope: tasks:read');
    expect(errs?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'tasks:read' });
    await c.dispose();
  });

  it('a socket on a rotated key closes 4403 when the grace window ends', async () => {
    const u = await signIn(t.app, clerk);
    const created = (await rest(t.app, 'POST', '/auth/api-keys', u.headers, { name: 'l' })).body;
    const c = subscribe(t.url!, TASKS, { authorization: `Bearer ${created.key}` });
    const deadline = Date.now() + 5_000;
    while (t.container.hub.subscribers < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(t.container.hub.subscribers).toBeGreaterThanOrEqual(1);
    const r = await rest(t.app, 'POST', `/auth/api-keys/${created.key_info.id}/rotate`, u.headers, {
      grace_period_seconds: 2,
    });
    expect(r.status).toBe(200);
    const end = Date.now() + 2_000;
    const closed = await Promise.race([c.closed, new Promise((res) => setTimeout(() => res('timeout'), 8_000))]);
    expect(closed).toMatchObject({ code: 4403 });
    const late = Date.now() - end;
    console.log(`[live-keys] socket closed ${late} ms after the grace window ended`);
    expect(late).toBeGreaterThan(-200);
    expect(late).toBeLessThan(1_500);
    await c.dispose();
  });
});

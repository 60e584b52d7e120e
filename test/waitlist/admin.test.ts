// The admin console's waitlist: list (sign-up order, status filter, bounded pages), stats,
// invite / convert / notes, delete — each change in the admin audit log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeClerk, startFakeClerk } from '../helpers/fake-clerk.js';
import { clerkEnv, type SignedInUser, signInAdmin } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
let admin: SignedInUser;
const ids: Record<string, string> = {};

beforeAll(async () => {
  [tdb, clerk] = await Promise.all([createTestDatabase(), startFakeClerk()]);
  t = await startApp(tdb, { env: clerkEnv(clerk, { WAITLIST_JOINS_PER_MINUTE: '100' }) });
  admin = await signInAdmin(t.app, clerk);
  for (const name of ['ann', 'ben', 'cat', 'dan']) {
    expect((await rest(t.app, 'POST', '/public/waitlist', {}, { email: `${name}@example.com` })).status).toBe(200);
  }
  const rows = await tdb.database.db.selectFrom('waitlist').select(['id', 'email']).execute();
  for (const r of rows) ids[r.email.split('@')[0]!] = r.id;
});
afterAll(async () => {
  await t?.close();
  await clerk?.close();
  await tdb?.drop();
});

const get = (url: string) => rest(t.app, 'GET', url, admin.headers);
const audit = async () =>
  (await tdb.database.db.selectFrom('admin_audit_log').selectAll().orderBy('created_at').execute()).map((e) => ({
    action: e.action,
    admin: e.admin_user_id,
    details: e.details,
  }));

describe('admin waitlist', () => {
  it("lists entries in sign-up order in Torale's shape", async () => {
    const res = await get('/admin/waitlist');
    expect(res.status).toBe(200);
    expect(res.body.map((e: { email: string }) => e.email)).toEqual([
      'ann@example.com',
      'ben@example.com',
      'cat@example.com',
      'dan@example.com',
    ]);
    expect(Object.keys(res.body[0]).sort()).toEqual(['created_at', 'email', 'id', 'invited_at', 'notes', 'status']);
    expect(res.body[0]).toMatchObject({ id: ids.ann, status: 'pending', invited_at: null, notes: null });
  });

  it('pages with limit and offset, bounded (422 outside 1..500, offset ≥ 0, unknown status)', async () => {
    const page = await get('/admin/waitlist?limit=2&offset=1');
    expect(page.body.map((e: { email: string }) => e.email)).toEqual(['ben@example.com', 'cat@example.com']);
    for (const q of ['limit=0', 'limit=501', 'offset=-1', 'limit=x', 'status_filter=gone']) {
      expect((await get(`/admin/waitlist?${q}`)).status, q).toBe(422);
    }
  });

  it('invites (stamping invited_at), sets notes, converts; the status filter and the stats follow', async () => {
    const invited = await rest(t.app, 'PATCH', `/admin/waitlist/${ids.ben}`, admin.headers, { status: 'invited' });
    expect(invited.status).toBe(200);
    expect(invited.body).toMatchObject({ id: ids.ben, email: 'ben@example.com', status: 'invited' });
    expect(Date.parse(invited.body.invited_at)).toBeGreaterThan(Date.now() - 60_000);
    const noted = await rest(t.app, 'PATCH', `/admin/waitlist/${ids.cat}`, admin.headers, { notes: 'friend of ann' });
    expect(noted.body).toMatchObject({ status: 'pending', notes: 'friend of ann', invited_at: null });
    await rest(t.app, 'PATCH', `/admin/waitlist/${ids.dan}`, admin.headers, { status: 'converted' });
    expect((await get('/admin/waitlist?status_filter=invited')).body.map((e: { id: string }) => e.id)).toEqual([
      ids.ben,
    ]);
    expect((await get('/admin/waitlist?status_filter=pending')).body).toHaveLength(2);
    expect((await get('/admin/waitlist/stats')).body).toEqual({ pending: 2, invited: 1, converted: 1, total: 4 });
    // A later sign-up's position counts only pending entries ahead of it.
    expect((await rest(t.app, 'POST', '/public/waitlist', {}, { email: 'eve@example.com' })).body.position).toBe(3);
  });

  it('refuses an empty change (400), an unknown entry (404) and a bad status or notes (422)', async () => {
    const patch = (id: string, body: unknown) => rest(t.app, 'PATCH', `/admin/waitlist/${id}`, admin.headers, body);
    expect(await patch(ids.ann!, {})).toMatchObject({ status: 400, body: { detail: 'No updates provided' } });
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await patch(unknown, { status: 'invited' })).toMatchObject({
      status: 404,
      body: { detail: 'Waitlist entry not found' },
    });
    expect((await patch('not-a-uuid', { status: 'invited' })).status).toBe(404);
    expect((await patch(ids.ann!, { status: 'approved' })).status).toBe(422);
    expect((await patch(ids.ann!, { notes: 'x'.repeat(2001) })).status).toBe(422);
    expect((await patch(ids.ann!, { notes: 7 })).status).toBe(422);
  });

  it('deletes an entry (then 404); every change is in the audit log under the admin', async () => {
    const del = await rest(t.app, 'DELETE', `/admin/waitlist/${ids.ann}`, admin.headers);
    expect(del).toMatchObject({ status: 200, body: { status: 'deleted' } });
    expect((await rest(t.app, 'DELETE', `/admin/waitlist/${ids.ann}`, admin.headers)).status).toBe(404);
    const log = await audit();
    expect(log.map((e) => e.action)).toEqual([
      'waitlist.update',
      'waitlist.update',
      'waitlist.update',
      'waitlist.delete',
    ]);
    for (const e of log) expect(e.admin).toBe(admin.userId);
    expect(log[0]!.details).toMatchObject({ entry_id: ids.ben, email: 'ben@example.com', status: 'invited' });
    expect(log[3]!.details).toMatchObject({ entry_id: ids.ann, email: 'ann@example.com' });
  });
});

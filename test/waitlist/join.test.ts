// The landing page's waitlist: POST /public/waitlist in Torale's shape, one entry per
// address in any case (decided by the database under concurrency), rate-limited per address.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let tdb: TestDatabase;
let t: TestApp;
let seq = 0;
// Each call from its own client address unless one is given, so the per-address limit stays out of the way.
const join = async (body: unknown, remoteAddress = `10.1.0.${++seq}`) => {
  const res = await t.app.inject({ method: 'POST', url: '/public/waitlist', payload: body as object, remoteAddress });
  return { status: res.statusCode, body: res.json(), headers: res.headers };
};
const rows = async (email: string) =>
  (
    await sql<{ n: number }>`select count(*)::int as n from waitlist where lower(email) = lower(${email})`.execute(
      tdb.database.db,
    )
  ).rows[0]!.n;

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await startApp(tdb);
});
afterAll(async () => {
  await t?.close();
  await tdb?.drop();
});

describe('POST /public/waitlist', () => {
  it('answers {message, position} with the place among pending entries, without credentials', async () => {
    const a = await join({ email: 'first@example.com' });
    expect(a.status).toBe(200);
    expect(Object.keys(a.body).sort()).toEqual(['message', 'position']);
    expect(a.body.position).toBe(1);
    expect(a.body.message).toMatch(/waitlist/);
    expect((await join({ email: 'second@example.com' })).body.position).toBe(2);
    // An invited entry no longer counts ahead of later sign-ups.
    await sql`update waitlist set status = 'invited' where email = 'first@example.com'`.execute(tdb.database.db);
    expect((await join({ email: 'third@example.com' })).body.position).toBe(2);
  });

  it('stores the address trimmed and in lower case; the same address in any case is a duplicate (400)', async () => {
    expect((await join({ email: '  Mixed.Case@Example.COM ' })).status).toBe(200);
    const [row] = await tdb.database.db.selectFrom('waitlist').selectAll().where('email', 'like', 'mixed%').execute();
    expect(row).toMatchObject({ email: 'mixed.case@example.com', status: 'pending', invited_at: null, notes: null });
    const dup = await join({ email: 'MIXED.case@example.com' });
    expect(dup).toMatchObject({ status: 400, body: { detail: 'This email is already on the waitlist.' } });
    expect(await rows('mixed.case@example.com')).toBe(1);
  });

  it('20 concurrent identical sign-ups make exactly one row: one 200, nineteen 400', async () => {
    const email = 'race@example.com';
    const answers = await Promise.all(Array.from({ length: 20 }, () => join({ email })));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    const refused = answers.filter((a) => a.status === 400);
    expect(refused).toHaveLength(19);
    for (const r of refused) expect(r.body.detail).toBe('This email is already on the waitlist.');
    expect(await rows(email)).toBe(1);
  });

  it('refuses what is not an email address with 422 naming the field', async () => {
    for (const body of [
      {},
      { email: '' },
      { email: 'not-an-address' },
      { email: 'a@b@c' },
      { email: 42 },
      { email: `${'x'.repeat(250)}@example.com` },
      { email: 'nul\u0000@example.com' },
    ]) {
      const res = await join(body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(Array.isArray(res.body.detail)).toBe(true);
    }
    const none = await t.app.inject({ method: 'POST', url: '/public/waitlist', remoteAddress: '10.9.9.9' });
    expect(none.statusCode).toBe(422);
    expect(await rows('not-an-address')).toBe(0);
  });

  it('ignores unknown fields as Torale does, and names them in Torale-Ignored-Fields', async () => {
    const res = await join({ email: 'extra@example.com', referrer: 'x' });
    expect(res.status).toBe(200);
    expect(res.headers['torale-ignored-fields']).toBe('referrer');
  });

  it('takes 5 sign-ups a minute from one client address, then 429 with Retry-After', async () => {
    const from = '10.2.0.1';
    for (let i = 0; i < 5; i++) expect((await join({ email: `limit${i}@example.com` }, from)).status).toBe(200);
    const refused = await join({ email: 'limit5@example.com' }, from);
    expect(refused).toMatchObject({ status: 429, body: { detail: 'Too many requests' } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(await rows('limit5@example.com')).toBe(0);
    // Another address is not held to it.
    expect((await join({ email: 'limit5@example.com' }, '10.2.0.2')).status).toBe(200);
  });
});

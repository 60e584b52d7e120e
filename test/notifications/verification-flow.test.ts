// Torale's email verification flow against a real SMTP server on loopback: the code is read
// from the received message; wrong codes, expiry and the hourly limit answer Torale's exact
// texts (REST and GraphQL); a verified address is listed and can be removed.
import bcrypt from 'bcrypt';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SendEmailVerificationDocument, VerifiedEmailsDocument, VerifyEmailDocument } from '../gql/graphql.js';
import type { TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { codeOf, gql } from '../helpers/gql.js';
import { signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';
import { codeIn, type SmtpCatcher, startSmtp } from '../helpers/smtp.js';
import { waitFor } from '../runs/helpers.js';

const BASE = '/api/v1/email-verification';
let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
let smtp: SmtpCatcher;

beforeAll(async () => {
  smtp = await startSmtp({ auth: { user: 'gateway', pass: 'p@ss word' } });
  ({ tdb, clerk, t } = await startClerkGateway({
    jobs: !!inject('pgTemplate'),
    env: {
      SMTP_URL: smtp.url,
      EMAIL_FROM: 'Torale Alerts <alerts@torale.test>',
      TORALE_JOBS_POLL_SECONDS: '1',
      EMAIL_RETRY_SCHEDULE_SECONDS: '0,1,1',
    },
  }));
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
  await smtp?.close();
});

const messagesTo = (to: string) => smtp.received.filter((m) => m.to.includes(to));
async function codeSentTo(to: string, nth = 1): Promise<string> {
  const mail = await waitFor(`verification email #${nth} to ${to}`, async () => messagesTo(to)[nth - 1]);
  return codeIn(mail);
}

describe('send → code by email → verify', () => {
  it('sends a 6-digit code with Torale subject; the right code verifies the address', async () => {
    const u = await signIn(t.app, clerk, { email: 'jane@example.com' });
    const to = 'alerts@example.org';
    const sent = await rest(t.app, 'POST', `${BASE}/send`, u.headers, { email: to });
    expect(sent.status, sent.raw).toBe(200);
    expect(sent.body).toEqual({
      message: `Verification code sent to ${to}`,
      expires_in_minutes: 15,
      expires_at: expect.any(String),
    });
    const left = (Date.parse(sent.body.expires_at) - Date.now()) / 60_000;
    expect(left).toBeGreaterThan(14);
    expect(left).toBeLessThanOrEqual(15.1);

    const mail = await waitFor('the verification email', async () => messagesTo(to)[0]);
    expect(mail.subject).toBe('Verify your email for Torale notifications');
    expect(mail.from).toBe('alerts@torale.test');
    expect(mail.text).toContain('Hi Jane,');
    expect(mail.text).toContain('valid for 15 minutes');
    const code = codeIn(mail);
    expect(code).toMatch(/^\d{6}$/);
    expect(mail.html).toContain(code);
    expect(mail.raw.headerLines.some((h) => h.key === 'list-unsubscribe')).toBe(false); // asked for, not a list

    // Only a bcrypt hash is stored; once sent, the message holding the code is forgotten.
    const row = await tdb.database.db
      .selectFrom('email_verifications')
      .selectAll()
      .where('user_id', '=', u.userId)
      .executeTakeFirstOrThrow();
    expect(row.code_hash).not.toContain(code);
    expect(await bcrypt.compare(code, row.code_hash)).toBe(true);
    const send = await waitFor('the send to be recorded delivered', async () => {
      const s = await tdb.database.db
        .selectFrom('email_sends')
        .selectAll()
        .where('verification_id', '=', row.id)
        .executeTakeFirst();
      return s?.status === 'delivered' ? s : undefined;
    });
    expect(send).toMatchObject({ kind: 'verification', recipient: to, message: null, attempts: 1 });

    const ok = await rest(t.app, 'POST', `${BASE}/verify`, u.headers, { email: to, code });
    expect(ok.status, ok.raw).toBe(200);
    expect(ok.body).toEqual({ message: 'Email verified successfully' });
    const list = await rest(t.app, 'GET', `${BASE}/verified-emails`, u.headers);
    expect(list.body).toEqual({ verified_emails: ['jane@example.com', to], primary_email: 'jane@example.com' });
    // Verified now: no new code is sent; the code is used up.
    expect((await rest(t.app, 'POST', `${BASE}/send`, u.headers, { email: 'ALERTS@example.org' })).body).toEqual({
      message: 'Email already verified',
    });
    const again = await rest(t.app, 'POST', `${BASE}/verify`, u.headers, { email: to, code });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ detail: 'No verification pending for this email' });

    // Removed, it is no longer listed (the account email cannot be removed).
    const del = await rest(t.app, 'DELETE', `${BASE}/verified-emails/${encodeURIComponent(to)}`, u.headers);
    expect(del.body).toEqual({ message: 'Email removed from verified list' });
    expect((await rest(t.app, 'GET', `${BASE}/verified-emails`, u.headers)).body.verified_emails).toEqual([
      'jane@example.com',
    ]);
  });

  it('wrong code ×5 counts down, then even the right code is refused; a new code works', async () => {
    const u = await signIn(t.app, clerk);
    const to = 'ops@example.org';
    await rest(t.app, 'POST', `${BASE}/send`, u.headers, { email: to });
    const code = await codeSentTo(to);
    const wrong = code === '000000' ? '111111' : '000000';
    const texts: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await rest(t.app, 'POST', `${BASE}/verify`, u.headers, { email: to, code: wrong });
      expect(res.status).toBe(400);
      texts.push(res.body.detail);
    }
    expect(texts).toEqual([
      'Invalid code. 4 attempts remaining.',
      'Invalid code. 3 attempts remaining.',
      'Invalid code. 2 attempts remaining.',
      'Invalid code. 1 attempts remaining.',
      'Invalid code. 0 attempts remaining.',
    ]);
    const right = await rest(t.app, 'POST', `${BASE}/verify`, u.headers, { email: to, code });
    expect(right.status).toBe(400);
    expect(right.body).toEqual({ detail: 'Too many failed attempts. Request a new code.' });

    await rest(t.app, 'POST', `${BASE}/send`, u.headers, { email: to });
    const fresh = await codeSentTo(to, 2);
    const ok = await rest(t.app, 'POST', `${BASE}/verify`, u.headers, { email: to, code: fresh });
    expect(ok.body).toEqual({ message: 'Email verified successfully' });
  });

  it('an expired code: "Verification code expired. Request a new one."; none sent: "No verification pending…"', async () => {
    const u = await signIn(t.app, clerk);
    const none = await rest(t.app, 'POST', `${BASE}/verify`, u.headers, { email: 'x@example.org', code: '123456' });
    expect(none.status).toBe(400);
    expect(none.body).toEqual({ detail: 'No verification pending for this email' });
    await rest(t.app, 'POST', `${BASE}/send`, u.headers, { email: 'late@example.org' });
    const code = await codeSentTo('late@example.org');
    await sql`update email_verifications set expires_at = now() - interval '1 second'
      where user_id = ${u.userId}`.execute(tdb.database.db);
    const res = await rest(t.app, 'POST', `${BASE}/verify`, u.headers, { email: 'late@example.org', code });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: 'Verification code expired. Request a new one.' });
  });

  it('a 4th code request within the hour is 429 with Torale text, also under concurrency', async () => {
    const u = await signIn(t.app, clerk);
    for (let i = 1; i <= 3; i++) {
      const res = await rest(t.app, 'POST', `${BASE}/send`, u.headers, { email: `n${i}@example.org` });
      expect(res.status, res.raw).toBe(200);
    }
    const fourth = await rest(t.app, 'POST', `${BASE}/send`, u.headers, { email: 'n4@example.org' });
    expect(fourth.status).toBe(429);
    expect(fourth.body).toEqual({ detail: 'Too many verification requests. Please try again later.' });
    const g = await gql(t.app, SendEmailVerificationDocument, { email: 'n5@example.org' }, u.headers);
    expect(codeOf(g)).toBe('TOO_MANY_REQUESTS');
    expect(g.errors?.[0]?.message).toBe('Too many verification requests. Please try again later.');

    // Six requests at once from a fresh user: exactly three codes are made.
    const v = await signIn(t.app, clerk);
    const all = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((i) => rest(t.app, 'POST', `${BASE}/send`, v.headers, { email: `c${i}@example.org` })),
    );
    expect(all.map((r) => r.status).sort()).toEqual([200, 200, 200, 429, 429, 429]);
    const made = await tdb.database.db
      .selectFrom('email_verifications')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('user_id', '=', v.userId)
      .executeTakeFirstOrThrow();
    expect(made.n).toBe(3);
  });

  it('GraphQL sendEmailVerification / verifyEmail: same flow, same texts', async () => {
    const u = await signIn(t.app, clerk, { email: 'gq@example.com' });
    const to = 'gq-alerts@example.org';
    const sent = await gql(t.app, SendEmailVerificationDocument, { email: to }, u.headers);
    expect(sent.data?.sendEmailVerification).toBe(`Verification code sent to ${to}`);
    const code = await codeSentTo(to);
    const bad = await gql(
      t.app,
      VerifyEmailDocument,
      { email: to, code: code === '999999' ? '000000' : '999999' },
      u.headers,
    );
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.message).toBe('Invalid code. 4 attempts remaining.');
    const ok = await gql(t.app, VerifyEmailDocument, { email: to, code }, u.headers);
    expect(ok.data?.verifyEmail).toBe('Email verified successfully');
    const list = await gql(t.app, VerifiedEmailsDocument, {}, u.headers);
    expect(list.data?.verifiedEmails.verifiedEmails).toEqual(['gq@example.com', to]);
  });

  it('codes are 6 digits from the whole range, and a code of one user never verifies another', async () => {
    const a = await signIn(t.app, clerk);
    const b = await signIn(t.app, clerk);
    const to = 'shared@example.org';
    await rest(t.app, 'POST', `${BASE}/send`, a.headers, { email: to });
    const code = await codeSentTo(to);
    const other = await rest(t.app, 'POST', `${BASE}/verify`, b.headers, { email: to, code });
    expect(other.body).toEqual({ detail: 'No verification pending for this email' });
    for (const c of ['12345', '1234567', ' 12345 ', '１２３４５６']) {
      const res = await rest(t.app, 'POST', `${BASE}/verify`, a.headers, { email: to, code: c });
      expect(res.status, c).toBe(400);
      expect(res.body.detail).toMatch(/^Invalid code\. \d attempts remaining\.$/);
    }
  });
});

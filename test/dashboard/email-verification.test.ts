// Email verification on the settings page (EmailManagementSection, EmailVerificationModal).
// No email provider is configured: the account email is the one verified address, and no
// code is ever made for any other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RemoveVerifiedEmailDocument,
  SendEmailVerificationDocument,
  VerifiedEmailsDocument,
  VerifyEmailDocument,
} from '../gql/graphql.js';
import type { TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { codeOf, gql } from '../helpers/gql.js';
import { type SignedInUser, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
let u: SignedInUser;
const EMAIL = 'jane.doe@example.com';
const BASE = '/api/v1/email-verification';
const NOT_CONFIGURED = { detail: 'Email delivery is not configured' };

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway());
  u = await signIn(t.app, clerk, { email: EMAIL });
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

describe('GET /api/v1/email-verification/verified-emails', () => {
  it('is your account email, also as primary_email; [] for a user without one', async () => {
    const res = await rest(t.app, 'GET', `${BASE}/verified-emails`, u.headers);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ verified_emails: [EMAIL], primary_email: EMAIL });
    const other = await signIn(t.app, clerk, { email: 'other@example.com' });
    expect((await rest(t.app, 'GET', `${BASE}/verified-emails`, other.headers)).body).toEqual({
      verified_emails: ['other@example.com'],
      primary_email: 'other@example.com',
    });
    const none = await signIn(t.app, clerk);
    await tdb.database.db.updateTable('users').set({ email: null }).where('id', '=', none.userId).execute();
    expect((await rest(t.app, 'GET', `${BASE}/verified-emails`, none.headers)).body).toEqual({
      verified_emails: [],
      primary_email: null,
    });
    const g = await gql(t.app, VerifiedEmailsDocument, {}, u.headers);
    expect(g.data?.verifiedEmails).toEqual({ verifiedEmails: [EMAIL], primaryEmail: EMAIL });
  });
});

describe('POST /api/v1/email-verification/send and /verify', () => {
  it('the account email is already verified; any other needs an email provider (503); a bad address is 422', async () => {
    for (const email of [EMAIL, 'Jane.Doe@Example.com']) {
      const res = await rest(t.app, 'POST', `${BASE}/send`, u.headers, { email });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ message: 'Email already verified' });
    }
    const other = await rest(t.app, 'POST', `${BASE}/send`, u.headers, { email: 'alerts@example.com' });
    expect(other.status).toBe(503);
    expect(other.body).toEqual(NOT_CONFIGURED);
    for (const email of ['not-an-email', 'a@b', '']) {
      const bad = await rest(t.app, 'POST', `${BASE}/send`, u.headers, { email });
      expect(bad.status, email).toBe(422);
      expect(bad.body.detail[0].loc).toEqual(['body', 'email']);
    }
    expect((await rest(t.app, 'POST', `${BASE}/send`, u.headers, {})).status).toBe(422);
  });

  it('no code is ever accepted: verify is 503 for a well-formed request, 422 for a malformed one', async () => {
    const res = await rest(t.app, 'POST', `${BASE}/verify`, u.headers, { email: 'alerts@example.com', code: '123456' });
    expect(res.status).toBe(503);
    expect(res.body).toEqual(NOT_CONFIGURED);
    for (const body of [{ email: 'alerts@example.com' }, { email: 'nope', code: '123456' }, { code: '123456' }]) {
      expect((await rest(t.app, 'POST', `${BASE}/verify`, u.headers, body)).status).toBe(422);
    }
  });

  it('GraphQL sendEmailVerification / verifyEmail follow the same rules', async () => {
    const ok = await gql(t.app, SendEmailVerificationDocument, { email: EMAIL }, u.headers);
    expect(ok.data?.sendEmailVerification).toBe('Email already verified');
    const other = await gql(t.app, SendEmailVerificationDocument, { email: 'alerts@example.com' }, u.headers);
    expect(codeOf(other)).toBe('SERVICE_UNAVAILABLE');
    expect(other.errors?.[0]?.message).toBe('Email delivery is not configured');
    const bad = await gql(t.app, SendEmailVerificationDocument, { email: 'nope' }, u.headers);
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    const verify = await gql(t.app, VerifyEmailDocument, { email: 'alerts@example.com', code: '123456' }, u.headers);
    expect(codeOf(verify)).toBe('SERVICE_UNAVAILABLE');
  });
});

describe('DELETE /api/v1/email-verification/verified-emails/{email}', () => {
  it('refuses the account email (URL-encoded as the dashboard sends it); others are removed (idempotent)', async () => {
    const primary = await rest(t.app, 'DELETE', `${BASE}/verified-emails/${encodeURIComponent(EMAIL)}`, u.headers);
    expect(primary.status).toBe(400);
    expect(primary.body).toEqual({ detail: 'Cannot remove primary Clerk email' });
    const other = await rest(t.app, 'DELETE', `${BASE}/verified-emails/alerts%40example.com`, u.headers);
    expect(other.status).toBe(200);
    expect(other.body).toEqual({ message: 'Email removed from verified list' });
    expect((await rest(t.app, 'GET', `${BASE}/verified-emails`, u.headers)).body.verified_emails).toEqual([EMAIL]);
    const g = await gql(t.app, RemoveVerifiedEmailDocument, { email: EMAIL }, u.headers);
    expect(codeOf(g)).toBe('BAD_USER_INPUT');
    expect(g.errors?.[0]?.message).toBe('Cannot remove primary Clerk email');
  });
});

describe('credentials', () => {
  it('every email-verification endpoint is 401 without them', async () => {
    for (const [method, url, body] of [
      ['GET', `${BASE}/verified-emails`, undefined],
      ['POST', `${BASE}/send`, { email: 'a@example.com' }],
      ['POST', `${BASE}/verify`, { email: 'a@example.com', code: '123456' }],
      ['DELETE', `${BASE}/verified-emails/a%40example.com`, undefined],
    ] as const) {
      const res = await rest(t.app, method, url, {}, body);
      expect(res.status, `${method} ${url}`).toBe(401);
      expect(res.body).toEqual({ detail: 'Authorization header missing' });
    }
    expect(codeOf(await gql(t.app, VerifiedEmailsDocument, {}))).toBe('UNAUTHENTICATED');
  });
});

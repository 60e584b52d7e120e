// The expensive parts run once: bcrypt once per key per instance, Clerk's user look-up
// once per user per TTL, JWKS once; the networkless key path makes no request at all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeShortDocument, SyncUserDocument } from '../gql/graphql.js';
import { bearer, startApp, type TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { gql } from '../helpers/gql.js';
import { createKey, signIn } from '../helpers/identity.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway());
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

async function inBatches(n: number, batch: number, fn: (i: number) => Promise<void>) {
  for (let i = 0; i < n; i += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, n - i) }, (_, j) => fn(i + j)));
  }
}

describe('caching', () => {
  it('bcrypt runs once for 1,000 requests with the same key', async () => {
    const u = await signIn(t.app, clerk);
    const { key } = await createKey(t.app, u.headers);
    const before = { ...t.container.apiKeyVerifier.stats };
    await inBatches(1000, 50, async (i) => {
      const res =
        i % 2
          ? await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(key) })
          : await t.app.inject({
              method: 'POST',
              url: '/graphql',
              headers: { ...bearer(key), 'content-type': 'application/json' },
              payload: { query: '{ me { id } }' },
            });
      expect(res.statusCode).toBe(200);
    });
    const after = t.container.apiKeyVerifier.stats;
    expect(after.bcryptCompares - before.bcryptCompares).toBe(1);
    expect(after.verifiedCacheHits - before.verifiedCacheHits).toBeGreaterThan(900);
  });

  it('1,000 token requests of one user cause at most one Clerk user look-up and one JWKS fetch', async () => {
    const u = await signIn(t.app, clerk, { sync: false });
    const jwksBefore = clerk.requests.jwks;
    const lookupsBefore = clerk.requests.userIds.length;
    const verificationsBefore = t.container.clerk.stats.tokenVerifications;
    expect((await gql(t.app, SyncUserDocument, {}, u.headers)).data?.syncUser.created).toBe(true);
    await inBatches(999, 50, async (i) => {
      const res =
        i % 2 ? await gql(t.app, MeShortDocument, {}, u.headers) : await gql(t.app, SyncUserDocument, {}, u.headers);
      expect(res.errors).toBeUndefined();
    });
    expect(clerk.requests.userIds.length - lookupsBefore).toBeLessThanOrEqual(1);
    expect(clerk.requests.jwks - jwksBefore).toBeLessThanOrEqual(1);
    // The same token's signature is checked once, then remembered until its expiry.
    expect(t.container.clerk.stats.tokenVerifications - verificationsBefore).toBe(1);
  });

  it('while Clerk is down, users with a cached profile keep working; others get 503', async () => {
    const known = await signIn(t.app, clerk);
    const stranger = await signIn(t.app, clerk, { sync: false });
    clerk.down = true;
    try {
      const ok = await t.app.inject({ method: 'POST', url: '/auth/sync-user', headers: known.headers });
      expect(ok.statusCode).toBe(200);
      const me = await t.app.inject({ method: 'GET', url: '/auth/me', headers: known.headers });
      expect(me.statusCode).toBe(200);
      const refused = await t.app.inject({ method: 'POST', url: '/auth/sync-user', headers: stranger.headers });
      expect(refused.statusCode).toBe(503);
      expect(refused.json()).toEqual({ detail: 'Clerk is unavailable' });
    } finally {
      clerk.down = false;
    }
  });

  it('profile claims in the session token are used without asking Clerk', async () => {
    const lookups = clerk.requests.users;
    const token = await clerk.token('user_claims_only', {
      claims: { email: 'claims@example.com', first_name: 'Cla', public_metadata: { role: 'developer' } },
    });
    const sync = await t.app.inject({ method: 'POST', url: '/auth/sync-user', headers: bearer(token) });
    expect(sync.json().user).toMatchObject({ email: 'claims@example.com', first_name: 'Cla' });
    const key = await t.app.inject({
      method: 'POST',
      url: '/auth/api-keys',
      headers: bearer(token),
      payload: { name: 'k' },
    });
    expect(key.statusCode).toBe(200);
    expect(clerk.requests.users).toBe(lookups);
  });
});

describe('networkless verification (CLERK_JWT_KEY)', () => {
  it('verifies tokens with zero requests to Clerk', async () => {
    const offline = await startApp(tdb, { env: { CLERK_JWT_KEY: clerk.jwtKey, CLERK_API_URL: 'http://127.0.0.1:9' } });
    try {
      const token = await clerk.token('user_offline', {
        claims: { email: 'off@example.com', public_metadata: { role: 'developer' } },
      });
      const before = { ...clerk.requests };
      const sync = await offline.app.inject({ method: 'POST', url: '/auth/sync-user', headers: bearer(token) });
      expect(sync.statusCode).toBe(200);
      for (let i = 0; i < 50; i++) {
        expect((await offline.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(token) })).statusCode).toBe(
          200,
        );
      }
      expect(clerk.requests.jwks).toBe(before.jwks);
      expect(clerk.requests.users).toBe(before.users);
      const forged = await clerk.foreignToken('user_offline');
      expect((await offline.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(forged) })).statusCode).toBe(
        401,
      );
    } finally {
      await offline.close();
    }
  });
});

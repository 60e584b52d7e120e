// The database decides: concurrent key creation leaves one active key, concurrent first
// logins create one user.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateApiKeyDocument, SyncUserDocument } from '../gql/graphql.js';
import { bearer, type TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { codeOf, gql } from '../helpers/gql.js';
import { signIn } from '../helpers/identity.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway({ env: { API_KEY_CREATE_LIMIT_PER_MINUTE: '1000' } }));
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

describe('concurrency', () => {
  it('50 concurrent createApiKey for one user → exactly one active key', async () => {
    const u = await signIn(t.app, clerk);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => gql(t.app, CreateApiKeyDocument, { name: `k${i}` }, u.headers)),
    );
    const ok = results.filter((r) => !r.errors);
    expect(ok).toHaveLength(1);
    for (const r of results.filter((r) => r.errors)) {
      expect(codeOf(r)).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0]?.message).toBe(
        'You already have an active API key. Please revoke it before creating a new one.',
      );
    }
    const { count } = await tdb.database.db
      .selectFrom('api_keys')
      .select(sql<number>`count(*)::int`.as('count'))
      .where('user_id', '=', u.userId)
      .where('is_active', '=', true)
      .executeTakeFirstOrThrow();
    expect(count).toBe(1);
  });

  it('20 concurrent first syncUser → one user row, one created: true', async () => {
    clerk.addUser({ id: 'user_race', email: 'race@example.com', role: 'developer' });
    const h = bearer(await clerk.token('user_race'));
    const results = await Promise.all(Array.from({ length: 20 }, () => gql(t.app, SyncUserDocument, {}, h)));
    expect(results.every((r) => !r.errors)).toBe(true);
    expect(results.filter((r) => r.data?.syncUser.created).length).toBe(1);
    expect(new Set(results.map((r) => r.data?.syncUser.user.id)).size).toBe(1);
    const rows = await tdb.database.db
      .selectFrom('users')
      .select('id')
      .where('clerk_user_id', '=', 'user_race')
      .execute();
    expect(rows).toHaveLength(1);
    // …and with the profile fetched from Clerk once, not 20 times.
    expect(clerk.requests.userIds.filter((id) => id === 'user_race')).toHaveLength(1);
  });
});

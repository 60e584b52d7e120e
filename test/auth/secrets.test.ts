// The plaintext key exists in exactly one place: the response that created it.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeysDocument, CreateApiKeyDocument, MeDocument, RevokeApiKeyDocument } from '../gql/graphql.js';
import { bearer, type TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { gql } from '../helpers/gql.js';
import { signIn } from '../helpers/identity.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway({ env: { LOG_LEVEL: 'trace' } }));
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

describe('the plaintext key', () => {
  it('appears nowhere but in the creating response', async () => {
    const u = await signIn(t.app, clerk);
    const responses: string[] = [];
    const created = await gql(t.app, CreateApiKeyDocument, { name: 'secret' }, u.headers);
    const key = created.data!.createApiKey.key;
    const secret = key.slice(15); // the part that is never shown again

    responses.push(JSON.stringify(await gql(t.app, MeDocument, {}, bearer(key))));
    responses.push(JSON.stringify(await gql(t.app, ApiKeysDocument, {}, u.headers)));
    responses.push((await t.app.inject({ method: 'GET', url: '/auth/api-keys', headers: bearer(key) })).body);
    responses.push((await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(`${key}x`) })).body);
    responses.push(
      JSON.stringify(await gql(t.app, RevokeApiKeyDocument, { id: created.data!.createApiKey.keyInfo.id }, u.headers)),
    );
    responses.push((await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(key) })).body);
    for (const body of responses) expect(body).not.toContain(secret);

    const logs = t.logs.join('');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(secret);
    expect(logs).not.toContain(u.token);

    // Every text column of every table, dumped.
    const dump = await sql<{ t: string }>`
      select string_agg(row_to_json(x)::text, '') as t from (
        select * from users) x
      union all select string_agg(row_to_json(k)::text, '') from api_keys k`.execute(tdb.database.db);
    const text = dump.rows.map((r) => r.t).join('');
    expect(text).toContain(key.slice(0, 15));
    expect(text).not.toContain(secret);
    expect(text).toMatch(/\$2[aby]\$04\$/); // stored as a bcrypt hash (cost 4 in tests)
  });
});

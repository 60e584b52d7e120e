// Operators scrape /metrics (Prometheus text format) and see the gateway working.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, type TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { createKey, signIn } from '../helpers/identity.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway({ listen: true }));
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('/metrics', () => {
  it('counts requests by route and status, latency, auth failures by reason, pool, bcrypt and caches', async () => {
    const u = await signIn(t.app, clerk);
    const { key } = await createKey(t.app, u.headers);
    for (let i = 0; i < 3; i++) await fetch(`${t.url}/auth/me`, { headers: bearer(key) });
    await fetch(`${t.url}/auth/me`, { headers: bearer('sk_wrong') });
    await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { ...bearer(key), 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query WhoAmI { me { id } }', operationName: 'WhoAmI' }),
    });

    const res = await fetch(`${t.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(value(text, 'torale_http_requests_total{route="/auth/me",method="GET",status="200"}')).toBe(3);
    expect(value(text, 'torale_http_requests_total{route="/auth/me",method="GET",status="401"}')).toBe(1);
    expect(value(text, 'torale_auth_failures_total{reason="Invalid API key"}')).toBe(1);
    expect(value(text, 'torale_graphql_operations_total{operation="WhoAmI",outcome="ok"}')).toBe(1);
    expect(value(text, 'torale_http_request_duration_seconds_count{route="/auth/me",method="GET"}')).toBe(4);
    expect(value(text, 'torale_apikey_bcrypt_verifications_total')).toBe(1);
    expect(value(text, 'torale_apikey_cache_hits_total')).toBe(3);
    expect(value(text, 'torale_db_queries_total')).toBeGreaterThan(5);
    expect(value(text, 'torale_db_pool_total')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'torale_db_pool_waiting')).toBe(0);
    expect(value(text, 'torale_clerk_token_verifications_total')).toBeGreaterThanOrEqual(1);
    // Credentials never appear in metrics.
    expect(text).not.toContain(key.slice(15));
  });
});

// 10,000 generated bodies — random JSON, strings, bytes, wrong content types, __proto__
// keys, oversize and deeply nested bodies, non-string queries, string variables, arrays —
// against /graphql, /auth/* and /api/v1/tasks: every answer is a 4xx with a JSON body,
// none is a 5xx, and /healthz keeps answering fast meanwhile.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, type TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { createKey, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2_147_483_647);
console.log(`[malformed-input.test] fast-check seed ${SEED} (replay with FC_SEED=${SEED})`);

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
let headers: Record<string, string>;
let taskId: string;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway({
    env: { LOG_LEVEL: 'warn', AUTH_FAILURE_LIMIT_PER_MINUTE: '1000000' },
  }));
  const u = await signIn(t.app, clerk);
  headers = bearer((await createKey(t.app, u.headers)).key);
  taskId = (await rest(t.app, 'POST', '/api/v1/tasks', headers, { name: 'target', search_query: 'q' })).body.id;
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

const deep = (n: number, open: string, close: string) => open.repeat(n) + close.repeat(n);

const body = fc.oneof(
  { weight: 4, arbitrary: fc.json().map((s) => ({ type: 'application/json', payload: s })) },
  {
    weight: 2,
    arbitrary: fc.jsonValue().map((v) => ({ type: 'application/json', payload: JSON.stringify({ query: v }) })),
  },
  { weight: 1, arbitrary: fc.string().map((s) => ({ type: 'application/json', payload: s })) },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 512 }).map((b) => ({ type: 'application/json', payload: Buffer.from(b) })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/xml',
          'image/png',
          'application/json; charset=utf-16',
          'nonsense',
        ),
        fc.string(),
      )
      .map(([type, s]) => ({ type, payload: s })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      { type: 'application/json', payload: '{"__proto__":{"isAdmin":true},"search_query":"q"}' },
      { type: 'application/json', payload: '{"constructor":{"prototype":{"polluted":1}},"name":"x"}' },
      { type: 'application/json', payload: '{"query":"{ me { id } }","variables":"{\\"a\\":1}"}' },
      { type: 'application/json', payload: '{"query":123}' },
      { type: 'application/json', payload: '[{"query":"{ me { id } }"},{"query":"{ me { id } }"}]' },
      { type: 'application/json', payload: '{"search_query":{"$gt":""}}' },
      { type: 'application/json', payload: '{"name":null,"search_query":null}' },
      { type: 'application/json', payload: deep(50_000, '[', ']') },
      { type: 'application/json', payload: deep(20_000, '{"a":', '}').replace(/}$/, '1}') },
      { type: 'application/json', payload: `{"search_query":"${'x'.repeat(1_100_000)}"}` },
      {
        type: 'application/json',
        payload: `{"notifications":[${'{"type":"email","address":"a@b.co"},'.repeat(5000)}{}],"search_query":"q"}`,
      },
      { type: 'application/json', payload: '{"search_query":"truncated"' },
      { type: 'application/json', payload: '{"search_query":"q"}{"search_query":"q"}' },
      { type: 'application/json', payload: '{"search_query":"q","state":"paused","state":"sleeping","extra":1}' },
    ),
  },
);

const target = fc.constantFrom(
  ['POST', '/graphql'],
  ['POST', '/auth/api-keys'],
  ['POST', '/api/v1/tasks'],
  // A well-formed body must still fail here: the task does not exist (404).
  ['PUT', '/api/v1/tasks/00000000-0000-4000-8000-000000000000'],
  ['POST', '/api/v1/tasks/00000000-0000-4000-8000-000000000000/fork'],
  ['PATCH', '/api/v1/tasks/{id}/visibility'],
  ['POST', '/api/v1/tasks/{id}/execute?force=maybe'],
  ['GET', '/api/v1/public/tasks?limit=abc&offset=-1'],
) as fc.Arbitrary<[string, string]>;

describe('malformed input', () => {
  it('10,000 generated requests: 4xx JSON answers only, the process stays up, /healthz stays fast', async () => {
    const statuses = new Map<number, number>();
    const healthMs: number[] = [];
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(target, body), { minLength: 50, maxLength: 50 }), async (batch) => {
        const results = await Promise.all(
          batch.map(async ([[method, path], b]) => {
            const res = await t.app.inject({
              method: method as 'POST',
              url: path.replace('{id}', taskId),
              headers: { ...headers, 'content-type': b.type },
              payload: b.payload,
            });
            return { res, method, path, b };
          }),
        );
        sent += results.length;
        for (const { res, method, path, b } of results) {
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          const where = `${method} ${path} ${b.type} ${String(b.payload).slice(0, 120)} → ${res.statusCode} ${res.body.slice(0, 200)}`;
          if (res.statusCode < 400 || res.statusCode >= 500) throw new Error(`not a 4xx: ${where}`);
          JSON.parse(res.body); // a JSON body, always
          if (res.body.includes('node_modules') || res.body.includes('    at '))
            throw new Error(`internals leaked: ${where}`);
        }
        const started = performance.now();
        const health = await t.app.inject({ method: 'GET', url: '/healthz' });
        healthMs.push(performance.now() - started);
        expect(health.statusCode).toBe(200);
      }),
      { seed: SEED, numRuns: 200 },
    );
    const sorted = [...healthMs].sort((a, b) => a - b);
    console.log(
      `[malformed-input.test] ${sent} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}, /healthz p99 ${sorted[Math.floor(sorted.length * 0.99)]?.toFixed(1)} ms`,
    );
    expect(sent).toBe(10_000);
    expect(healthMs).toHaveLength(200); // every health check between the batches answered 200
    // Nothing was polluted.
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 180_000);
});

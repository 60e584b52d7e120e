// Credentials under attack: floods of junk and near-miss keys are all refused, failures
// are rate-limited per client address, the bcrypt work they cause is bounded, and every
// kind of forged Clerk token is refused without any outbound request.
import { execFile } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumOf, generateApiKey } from '../../src/auth/api-key-format.js';
import { bearer, startApp, type TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { clerkEnv, createKey, signIn } from '../helpers/identity.js';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2_147_483_647);
console.log(`[credentials.test] fast-check seed ${SEED} (replay with FC_SEED=${SEED})`);

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
let key: string;
/** Same database, keys hashed at cost 4: for the 10,000-request property test. */
let fast: TestApp;
let fastKey: string;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway({ env: { API_KEY_BCRYPT_COST: '10' }, listen: true }));
  const u = await signIn(t.app, clerk);
  key = (await createKey(t.app, u.headers)).key;
  fast = await startApp(tdb, { env: clerkEnv(clerk, { API_KEY_BCRYPT_COST: '4' }) });
  const v = await signIn(fast.app, clerk);
  fastKey = (await createKey(fast.app, v.headers)).key;
});
afterAll(async () => {
  await fast?.close();
  await stopClerkGateway({ t, clerk, tdb });
});

/** A near miss: the real key's 15-character prefix, another secret, a valid checksum. */
const nearMiss = (k: string, tail: string) => {
  const body = `${k.slice(3, 15)}${tail}`.slice(0, 26).padEnd(26, 'x');
  return `sk_${body}${checksumOf(body)}`;
};

describe('10,000 random, malformed and near-miss keys', () => {
  it('are all refused with 401, none accepted', async () => {
    const base62 = fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'.split(''));
    const candidate = fc.oneof(
      fc.string({ maxLength: 64 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
      fc.string({ unit: base62, minLength: 32, maxLength: 32 }).map((s) => `sk_${s}`),
      fc.string({ unit: base62, minLength: 26, maxLength: 26 }).map((b) => `sk_${b}${checksumOf(b)}`),
      fc.string({ unit: base62, minLength: 14, maxLength: 14 }).map((tail) => nearMiss(fastKey, tail)),
      fc.constantFrom(
        'sk_',
        'sk_ ',
        `${fastKey}x`,
        fastKey.slice(0, 34),
        fastKey.toUpperCase(),
        `sk_${'é'.repeat(32)}`,
      ),
      fc.nat(2000).map((n) => `sk_${'A'.repeat(n)}`),
    );
    const statuses = new Map<number, number>();
    let i = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(candidate, { minLength: 100, maxLength: 100 }), async (batch) => {
        const results = await Promise.all(
          batch.map((k) =>
            fast.app.inject({
              method: 'GET',
              url: '/auth/me',
              headers: { authorization: `Bearer ${k}` },
              // Spread over many client addresses: this test is about acceptance, not the rate limit.
              remoteAddress: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i++ & 255}`,
            }),
          ),
        );
        for (const r of results) {
          statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
          if (r.statusCode === 200) throw new Error('a forged key was accepted');
        }
      }),
      { seed: SEED, numRuns: 100 },
    );
    console.log(`[credentials.test] statuses for 10,000 junk keys: ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect([...statuses.keys()].every((s) => s === 401 || s === 503)).toBe(true);
    expect(statuses.get(401)).toBeGreaterThan(9000);
    // A 1 MB Authorization header through the app (no HTTP parser limit in front).
    const huge = await fast.app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: { authorization: `Bearer sk_${'a'.repeat(1 << 20)}` },
    });
    expect(huge.statusCode).toBe(401);
    // The real key still works.
    const ok = await fast.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(fastKey) });
    expect(ok.statusCode).toBe(200);
  }, 120_000);
});

const run = promisify(execFile);
const FLOOD_SCRIPT = `
const http = require('node:http');
const [base, keysJson] = process.argv.slice(1);
const url = new URL(base);
const keys = JSON.parse(keysJson);
const counts = {};
Promise.all(keys.map((k) => new Promise((resolve) => {
  const req = http.request({ host: url.hostname, port: url.port, path: '/auth/me', localAddress: '127.0.0.2', agent: false,
    headers: { authorization: 'Bearer ' + k } }, (res) => { res.resume(); res.on('end', () => { counts[res.statusCode] = (counts[res.statusCode] || 0) + 1; resolve(); }); });
  req.on('error', () => { counts.error = (counts.error || 0) + 1; resolve(); });
  req.end();
}))).then(() => console.log(JSON.stringify(counts)));
`;

function get(
  path: string,
  headers: Record<string, string>,
  localAddress: string,
): Promise<{ status: number; ms: number }> {
  const url = new URL(t.url!);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path, headers, localAddress, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('floods', () => {
  it('failures are rate-limited per client address', async () => {
    const attacker = '10.99.0.1';
    const codes: number[] = [];
    for (let n = 0; n < 105; n++) {
      const r = await t.app.inject({
        method: 'GET',
        url: '/auth/me',
        headers: bearer(generateApiKey()),
        remoteAddress: attacker,
      });
      codes.push(r.statusCode);
    }
    expect(codes.slice(0, 100).every((c) => c === 401)).toBe(true);
    expect(codes.slice(100).every((c) => c === 429)).toBe(true);
    const blocked = await t.app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: bearer(key),
      remoteAddress: attacker,
    });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json()).toEqual({ detail: 'Too many requests' });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    const elsewhere = await t.app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: bearer(key),
      remoteAddress: '10.99.0.2',
    });
    expect(elsewhere.statusCode).toBe(200);
  });

  it('500 concurrent near-miss keys (real prefix, bcrypt cost 10) do not starve the server', async () => {
    const bcryptBefore = t.container.apiKeyVerifier.stats.bcryptCompares;
    // The attacker is another process (its own event loop), from another loopback address.
    const keys = Array.from({ length: 500 }, (_, n) => nearMiss(key, `flood${n}`.padEnd(14, 'q')));
    const floodDone = run(process.execPath, ['-e', FLOOD_SCRIPT, t.url!, JSON.stringify(keys)], { timeout: 60_000 });
    const health: number[] = [];
    const valid: number[] = [];
    const probe = (async () => {
      for (let n = 0; n < 40; n++) {
        health.push((await get('/healthz', {}, '127.0.0.1')).ms);
        if (n % 8 === 0) valid.push((await get('/auth/me', bearer(key), '127.0.0.1')).status);
      }
    })();
    const byStatus = JSON.parse((await floodDone).stdout) as Record<string, number>;
    await probe;
    const sorted = [...health].sort((a, b) => a - b);
    const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? 0;
    console.log(
      `[credentials.test] flood statuses ${JSON.stringify(byStatus)}, bcrypt runs ${t.container.apiKeyVerifier.stats.bcryptCompares - bcryptBefore}, /healthz p99 ${p99.toFixed(1)} ms`,
    );
    expect(byStatus[200]).toBeUndefined();
    expect(Object.keys(byStatus).every((s) => ['401', '429', '503'].includes(s))).toBe(true);
    // Not starved: every probe is answered and another user's valid key keeps working during the
    // flood (the p99 above is printed, not asserted: on a shared machine it measures the machine).
    expect(health).toHaveLength(40);
    expect(valid.every((s) => s === 200)).toBe(true);
    // Bounded work: the per-address limit stops bcrypt long before 500 runs.
    expect(t.container.apiKeyVerifier.stats.bcryptCompares - bcryptBefore).toBeLessThanOrEqual(100);
  }, 60_000);
});

describe('bcrypt queue fairness', () => {
  it("300 concurrent wrong secrets from one address: another address's uncached valid key still gets in, and the refusals count", async () => {
    const victim = await signIn(t.app, clerk);
    const victimKey = (await createKey(t.app, victim.headers, 'victim')).key;
    const attacker = '10.77.0.1';
    const flood = Array.from({ length: 300 }, (_, n) =>
      t.app.inject({
        method: 'GET',
        url: '/auth/me',
        headers: bearer(nearMiss(key, `fair${n}`.padEnd(14, 'z'))),
        remoteAddress: attacker,
      }),
    );
    // The flood has filled what it may of the queue by now.
    await new Promise((r) => setTimeout(r, 30));
    const started = performance.now();
    const victimRes = await t.app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: bearer(victimKey),
      remoteAddress: '10.77.0.2',
    });
    const victimMs = performance.now() - started;
    const statuses = (await Promise.all(flood)).map((r) => r.statusCode);
    const byStatus: Record<number, number> = {};
    for (const s of statuses) byStatus[s] = (byStatus[s] ?? 0) + 1;
    console.log(
      `[credentials.test] fairness: flood ${JSON.stringify(byStatus)}, victim ${victimRes.statusCode} in ${victimMs.toFixed(0)} ms`,
    );
    expect(victimRes.statusCode).toBe(200);
    expect(statuses.every((s) => s === 401 || s === 503 || s === 429)).toBe(true);
    // Busy refusals are failed attempts too: the address is now refused before any work.
    const next = await t.app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: bearer(nearMiss(key, 'fairnext'.padEnd(14, 'z'))),
      remoteAddress: attacker,
    });
    expect(next.statusCode).toBe(429);
  }, 60_000);
});

describe('forged Clerk tokens, networkless key', () => {
  it.each([
    ['expired', () => clerk.token('user_x', { expiresInSeconds: -60 }), 'Token has expired'],
    ['not yet valid', () => clerk.token('user_x', { notBeforeSeconds: 300 }), 'Invalid authentication token'],
    ['foreign azp', () => clerk.token('user_x', { azp: 'https://evil.example' }), 'Invalid authentication token'],
    [
      'alg none',
      async () => {
        const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const now = Math.floor(Date.now() / 1000);
        return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ sub: 'user_x', exp: now + 60, nbf: now - 5 })}.`;
      },
      'Invalid authentication token',
    ],
    [
      'HS256 signed with the public key',
      () =>
        new SignJWT({ sub: 'user_x', azp: 'http://localhost:3000' })
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: clerk.kid })
          .setIssuedAt()
          .setNotBefore(Math.floor(Date.now() / 1000) - 5)
          .setExpirationTime('1m')
          .sign(new TextEncoder().encode(clerk.jwtKey)),
      'Invalid authentication token',
    ],
    ['bad signature', () => clerk.foreignToken('user_x'), 'Invalid authentication token'],
    [
      'unknown kid (signed by another key)',
      () => clerk.foreignToken('user_x', { kid: 'ins_unknown' }),
      'Invalid authentication token',
    ],
  ])('%s → 401 %s, no outbound request', async (_name, make, detail) => {
    const offline = await startApp(tdb, {
      env: { CLERK_JWT_KEY: clerk.jwtKey, CLERK_API_URL: clerk.url, CLERK_AUTHORIZED_PARTIES: 'http://localhost:3000' },
    });
    try {
      const before = clerk.requests.jwks + clerk.requests.users;
      const res = await offline.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(await make()) });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ detail });
      expect(clerk.requests.jwks + clerk.requests.users).toBe(before);
    } finally {
      await offline.close();
    }
  });
});

describe('forged Clerk tokens, key set fetched from Clerk', () => {
  it('40 tokens naming unknown key ids cost at most one JWKS fetch; a valid token still works', async () => {
    const fresh = await startApp(tdb, { env: clerkEnv(clerk), listen: false });
    try {
      // Warm: a valid token loads the key set once.
      const valid = await clerk.token('user_kid_probe', { expiresInSeconds: 600 });
      await fresh.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(valid) });
      const before = clerk.requests.jwks;
      const forged = await Promise.all(
        Array.from({ length: 20 }, (_, i) => clerk.foreignToken('user_x', { kid: `ins_forged_${i}` })),
      );
      // Twenty at once, then twenty one after another.
      const burst = await Promise.all(
        forged.map((token) => fresh.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(token) })),
      );
      const serial = [];
      for (let i = 0; i < 20; i++) {
        const token = await clerk.foreignToken('user_x', { kid: `ins_forged_serial_${i}` });
        serial.push(await fresh.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(token) }));
      }
      for (const res of [...burst, ...serial]) {
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({ detail: 'Invalid authentication token' });
      }
      const fetches = clerk.requests.jwks - before;
      console.log(`[credentials.test] 40 unknown-kid tokens → ${fetches} JWKS fetch(es)`);
      expect(fetches).toBeLessThanOrEqual(1);
      const again = await fresh.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(valid) });
      expect(again.statusCode).not.toBe(401);
    } finally {
      await fresh.close();
    }
  });
});

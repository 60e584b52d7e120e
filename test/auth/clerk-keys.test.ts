// The key set's refetch rules on their own: one fetch for a burst, none for unknown ids
// within the cooldown, a rotated key found once the cooldown has passed, 503 while Clerk fails.
import { generateKeyPairSync } from 'node:crypto';
import type { ClerkClient } from '@clerk/backend';
import { describe, expect, it } from 'vitest';
import { clerkKeySet } from '../../src/auth/clerk-keys.js';
import { createLogger } from '../../src/lib/logger.js';

const jwk = (kid: string) => ({
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }),
  kid,
  use: 'sig',
  alg: 'RS256',
});

function fakeClient(keys: { current: object[]; failing: boolean }) {
  const calls = { n: 0 };
  const client = {
    jwks: {
      getJwks: async () => {
        calls.n++;
        await new Promise((r) => setTimeout(r, 20));
        if (keys.failing) throw Object.assign(new Error('Clerk down'), { status: 503 });
        return { keys: keys.current };
      },
    },
  } as unknown as ClerkClient;
  return { client, calls };
}

describe('clerkKeySet', () => {
  it('shares one fetch, refetches for an unknown id only after the cooldown, finds a rotated key', async () => {
    const [k1, k2] = [jwk('k1'), jwk('k2')];
    const keys = { current: [k1], failing: false };
    const { client, calls } = fakeClient(keys);
    const set = clerkKeySet(client, createLogger('silent'), { cooldownMs: 500, retryAfterFailureMs: 50 });
    const first = await Promise.all(Array.from({ length: 50 }, () => set.get('k1')));
    expect(first.every((k) => k?.includes('BEGIN PUBLIC KEY'))).toBe(true);
    expect(calls.n).toBe(1);
    for (let i = 0; i < 20; i++) expect(await set.get(`unknown_${i}`)).toBeUndefined();
    expect(calls.n).toBe(1);
    keys.current = [k1, k2];
    expect(await set.get('k2')).toBeUndefined(); // still within the cooldown
    await new Promise((r) => setTimeout(r, 520));
    expect(await set.get('k2')).toContain('BEGIN PUBLIC KEY');
    expect(calls.n).toBe(2);
  });

  it('answers 503 while Clerk fails, without asking again until the retry delay passed', async () => {
    const keys = { current: [jwk('k1')], failing: true };
    const { client, calls } = fakeClient(keys);
    const set = clerkKeySet(client, createLogger('silent'), { cooldownMs: 10_000, retryAfterFailureMs: 100 });
    for (let i = 0; i < 10; i++) await expect(set.get('k1')).rejects.toMatchObject({ status: 503 });
    expect(calls.n).toBe(1);
    keys.failing = false;
    await new Promise((r) => setTimeout(r, 120));
    expect(await set.get('k1')).toContain('BEGIN PUBLIC KEY');
    expect(calls.n).toBe(2);
  });
});

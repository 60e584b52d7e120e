// The one cache of someone else's public keys (src/lib/remote-keys.ts), with the policy
// GitHub's secret-scanning keys use: known keys fetched again once old, keys no longer
// listed forgotten, and a failed fetch answered with what is known, not an error.
// Clerk's policy (keys kept, 503 while Clerk fails) is test/auth/clerk-keys.test.ts.
import { describe, expect, it } from 'vitest';
import { RemoteKeys } from '../../src/lib/remote-keys.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function source(initial: Record<string, string>) {
  const state = { keys: initial, failing: false, calls: 0 };
  const fetch = async () => {
    state.calls++;
    await sleep(10);
    if (state.failing) throw new Error('down');
    return new Map(Object.entries(state.keys));
  };
  return { state, fetch };
}

describe('RemoteKeys', () => {
  it('fetches known keys again once old, forgets keys no longer listed, one fetch for a burst', async () => {
    const { state, fetch } = source({ a: 'A1' });
    const keys = new RemoteKeys({
      fetch,
      maxAgeMs: 150,
      unknownCooldownMs: 50,
      retryAfterFailureMs: 50,
      forgetUnlisted: true,
    });
    expect(await Promise.all(Array.from({ length: 20 }, () => keys.get('a')))).toEqual(Array(20).fill('A1'));
    expect(state.calls).toBe(1);
    state.keys = { b: 'B1' };
    expect(await keys.get('a')).toBe('A1'); // still fresh
    expect(await keys.get('b')).toBeUndefined(); // unknown within the cooldown: no fetch
    expect(state.calls).toBe(1);
    await sleep(60);
    expect(await keys.get('b')).toBe('B1'); // unknown after the cooldown: fetched
    expect(await keys.get('a')).toBeUndefined(); // no longer listed
    expect(state.calls).toBe(2);
  });

  it('answers with the last known keys while fetches fail, and asks again only after the retry delay', async () => {
    const { state, fetch } = source({ a: 'A1' });
    const keys = new RemoteKeys({
      fetch,
      maxAgeMs: 50,
      unknownCooldownMs: 10,
      retryAfterFailureMs: 100,
      forgetUnlisted: true,
    });
    expect(await keys.get('a')).toBe('A1');
    state.failing = true;
    await sleep(60);
    expect(await keys.get('a')).toBe('A1'); // old, the fetch failed: the known key answers
    expect(await keys.get('zzz')).toBeUndefined();
    expect(state.calls).toBe(2);
    state.failing = false;
    state.keys = { a: 'A2' };
    expect(await keys.get('a')).toBe('A1'); // within the retry delay: not asked
    await sleep(110);
    expect(await keys.get('a')).toBe('A2');
    expect(state.calls).toBe(3);
  });

  it('keeps unlisted keys when told to, and throws `unavailable` only for a key it does not know', async () => {
    const { state, fetch } = source({ a: 'A1' });
    const keys = new RemoteKeys({
      fetch,
      unknownCooldownMs: 10,
      retryAfterFailureMs: 10,
      forgetUnlisted: false,
      unavailable: () => new Error('unavailable'),
    });
    expect(await keys.get('a')).toBe('A1');
    state.keys = { b: 'B1' };
    await sleep(20);
    expect(await keys.get('b')).toBe('B1');
    expect(await keys.get('a')).toBe('A1'); // kept after the rotation
    state.failing = true;
    await sleep(20);
    await expect(keys.get('c')).rejects.toThrow('unavailable');
    expect(await keys.get('a')).toBe('A1');
  });
});

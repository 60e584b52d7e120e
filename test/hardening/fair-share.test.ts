// Issue 23 ("what must show" 2): one user's expensive GraphQL operations keep an instance
// busy at most a share of the time and wait their turn beyond it; a spent caller's refusals
// are held a moment, a few at once. Clock and timers are the test's, so nothing here is timed.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExpensiveGate, MAX_WAIT_MS, MAX_WAITING_PER_USER, RefusalHold } from '../../src/budget/fair-share.js';

let clock = 0;
const now = () => clock;
/** Moves the gate's clock and the timers together. */
const advance = async (ms: number) => {
  clock += ms;
  await vi.advanceTimersByTimeAsync(ms);
};
const settled = async <T>(p: Promise<T>) => {
  let done = false;
  void p.then(() => {
    done = true;
  });
  await vi.advanceTimersByTimeAsync(0);
  return done;
};

beforeEach(() => {
  vi.useFakeTimers();
  clock = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ExpensiveGate', () => {
  it('a user busy past their share waits until it has been earned back; another user does not', async () => {
    const gate = new ExpensiveGate({ cap: 2, sharePercent: 10, burstMs: 100, now });
    const first = await gate.acquire('a');
    await advance(500); // the operation kept the instance busy 500 ms: 100 banked, 400 owed
    first?.();
    const next = gate.acquire('a');
    expect(await settled(next)).toBe(false);
    // Someone else is not held back by a's debt.
    expect(await gate.acquire('b')).toBeDefined();
    // At 10 %, 400 ms owed are earned back in 4 s of wall time.
    await advance(3900);
    expect(await settled(next)).toBe(false);
    await advance(200);
    expect(await settled(next)).toBe(true);
    expect(await next).toBeDefined();
  });

  it('runs at most `cap` at once; the next starts when one ends, in order', async () => {
    const gate = new ExpensiveGate({ cap: 1, sharePercent: 100, now });
    const first = await gate.acquire('a');
    const second = gate.acquire('a');
    const third = gate.acquire('a');
    expect(await settled(second)).toBe(false);
    first?.();
    expect(await settled(second)).toBe(true);
    expect(await settled(third)).toBe(false);
    (await second)?.();
    expect(await third).toBeDefined();
  });

  it('refuses when the queue is full and when the turn does not come in time', async () => {
    const gate = new ExpensiveGate({ cap: 1, sharePercent: 100, now });
    const running = await gate.acquire('a');
    const queued = Array.from({ length: MAX_WAITING_PER_USER }, () => gate.acquire('a'));
    expect(await gate.acquire('a')).toBeUndefined();
    await advance(MAX_WAIT_MS + 1);
    expect(await Promise.all(queued)).toEqual(queued.map(() => undefined));
    running?.();
    // Nothing is left held: the user starts at once again, and is forgotten once idle.
    const again = await gate.acquire('a');
    expect(again).toBeDefined();
    again?.();
    expect(gate.tracked).toBe(0);
  });
});

describe('RefusalHold', () => {
  it('holds a few refusals per caller; beyond them, and for others, it does not queue them', async () => {
    const hold = new RefusalHold(1000, 2);
    const a1 = hold.hold('a');
    const a2 = hold.hold('a');
    expect(await settled(a1)).toBe(false);
    expect(await settled(hold.hold('a'))).toBe(true); // a third at once
    expect(await settled(hold.hold('b'))).toBe(false); // b has its own
    expect(await settled(hold.hold('c', 0))).toBe(true); // nothing to wait for (the window resets now)
    await advance(1000);
    expect(await settled(a1)).toBe(true);
    expect(await settled(a2)).toBe(true);
  });
});

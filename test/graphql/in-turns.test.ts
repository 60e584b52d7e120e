// A long list is handed to graphql-js a batch per event-loop turn (src/graphql/in-turns.ts),
// so other callers' I/O runs between batches; a short one is left as it is.
import { describe, expect, it } from 'vitest';
import { inTurns, TURN_BATCH } from '../../src/graphql/in-turns.js';

const turn = () => new Promise<void>((r) => setImmediate(r));

describe('inTurns', () => {
  it('leaves a short list as it is', () => {
    const items = Array.from({ length: TURN_BATCH }, (_, i) => i);
    expect(inTurns(items)).toEqual(items);
  });

  it('gives the first batch at once and each later batch one event-loop turn after the one before, in order', async () => {
    const items = Array.from({ length: TURN_BATCH * 2 + 5 }, (_, i) => i);
    const out = inTurns(items);
    expect(out.slice(0, TURN_BATCH)).toEqual(items.slice(0, TURN_BATCH));
    const resolved = new Set<number>();
    out.forEach((x, i) => {
      if (x instanceof Promise) void x.then(() => resolved.add(i));
    });
    // Microtasks alone (what graphql-js runs on) resolve nothing past the first batch.
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(resolved.size).toBe(0);
    // One turn later, the second batch only; another turn, the rest.
    await turn();
    expect([...resolved].sort((a, b) => a - b)).toEqual(items.slice(TURN_BATCH, TURN_BATCH * 2));
    await turn();
    expect(resolved.size).toBe(TURN_BATCH + 5);
    expect(await Promise.all(out)).toEqual(items);
  });
});

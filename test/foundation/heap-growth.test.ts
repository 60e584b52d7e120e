// NODE_HEAP_GROWING_PERCENT (src/lib/heap-growth.ts): a process that keeps a steady live set
// and allocates fast (a gateway answering 1,000-task pages) lets its heap grow far past what it
// keeps alive under V8's own rule; with the gateway's default of 50 % it stays near it.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';

const MODULE = new URL('../../src/lib/heap-growth.ts', import.meta.url).pathname;
// About 60 MB kept alive, then 60 rounds of short-lived objects; prints the largest heap seen.
const SCRIPT = `
const [modulePath, percent] = process.argv.slice(-2);
const { limitHeapGrowth } = await import(modulePath);
limitHeapGrowth(Number(percent));
const live = Array.from({ length: 400000 }, (_, i) => ({ i, s: 'live ' + i + 'xxxxxxxxxxxxxxxxxxxxxxxx' }));
let peak = 0;
for (let round = 0; round < 60; round++) {
  let junk = [];
  for (let i = 0; i < 100000; i++) junk.push({ i, s: 'junk ' + i + ' ' + round, a: [i, i] });
  junk = null;
  peak = Math.max(peak, process.memoryUsage().heapTotal);
}
console.log(JSON.stringify({ live: live.length, peakMb: peak / 1048576 }));
`;

const peakHeapMb = (percent: number): number =>
  JSON.parse(
    execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT, MODULE, String(percent)], {
      encoding: 'utf8',
    }),
  ).peakMb;

describe('heap growth', () => {
  it('is 50 % by default; 0 leaves V8 its own rule', () => {
    expect(loadConfig({}).server.heapGrowingPercent).toBe(50);
    expect(loadConfig({ NODE_HEAP_GROWING_PERCENT: '0' }).server.heapGrowingPercent).toBe(0);
  });

  it('keeps a fast-allocating heap near its live size instead of letting garbage pile up', () => {
    const own = peakHeapMb(0);
    const bounded = peakHeapMb(50);
    expect(bounded).toBeLessThan(own * 0.7);
  }, 60_000);
});

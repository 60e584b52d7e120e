// Proves the bench runs end to end (build, seed, gateway and floors as processes, load,
// results) with tiny durations — not a measurement. Opt-in (BENCH_SMOKE=1): it takes one to three
// minutes on two busy cores and runs `npm run build`, which would race test/process's own build.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;

describe.skipIf(process.env.BENCH_SMOKE !== '1')('npm run bench (smoke)', () => {
  it('runs the requests suite and writes JSON, Markdown and SVG with the G1, G2, G4 ratios and G8 latencies', async () => {
    const out = `${mkdtempSync(join(tmpdir(), 'bench-'))}/`;
    await promisify(execFile)('npm', ['run', 'bench', '--', '--quick', '--suite=requests', `--out=${out}`], {
      cwd: ROOT,
      env: { ...process.env, BENCH_DURATION: '0.5', BENCH_ROUNDS: '1' },
      timeout: 290_000,
    });
    const json = JSON.parse(readFileSync(`${out}latest.json`, 'utf8')) as {
      rows: { goal?: { id: string }; ratio?: number; value: number; cpu?: { ratio?: number } }[];
    };
    for (const id of ['G1', 'G2', 'G4']) {
      const r = json.rows.find((x) => x.goal?.id === id);
      expect(Number.isFinite(r?.ratio), id).toBe(true);
      expect(Number.isFinite(r?.cpu?.ratio), `${id} CPU ratio`).toBe(true);
    }
    const latency = json.rows.filter((x) => x.goal?.id === 'G8');
    expect(latency).toHaveLength(4);
    for (const r of latency) expect(Number.isFinite(r.value)).toBe(true);
    expect(readFileSync(`${out}latest.md`, 'utf8')).toContain('| requests | GraphQL me, API key');
    expect(readFileSync(`${out}latest.svg`, 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*<\/svg>\n$/);
  }, 300_000);
});

// Slow clients are cut off within the request timeout and cannot hold the server hostage;
// oversized headers are refused at once.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const TIMEOUT_MS = 2000;
let tdb: TestDatabase;
let t: TestApp;
let port: number;

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await startApp(tdb, { env: { REQUEST_TIMEOUT_MS: String(TIMEOUT_MS), TORALE_NOAUTH: '1' }, listen: true });
  port = Number(new URL(t.url!).port);
});
afterAll(async () => {
  await t?.close();
  await tdb?.drop();
});

/** Opens a raw connection, sends `head`, then one byte a second; resolves when the server hangs up. */
function dribble(head: string, drip: string): Promise<{ ms: number; response: string }> {
  return new Promise((resolve) => {
    const started = performance.now();
    let response = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write(head));
    let i = 0;
    const timer = setInterval(() => {
      if (!socket.destroyed) socket.write(drip[i++ % drip.length] as string);
    }, 1000);
    socket.on('data', (d) => {
      response += d.toString();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ ms: performance.now() - started, response });
    });
    setTimeout(() => socket.destroy(), 20_000).unref();
  });
}

async function healthLatencies(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    const res = await fetch(`${t.url}/healthz`);
    expect(res.status).toBe(200);
    out.push(performance.now() - s);
    await new Promise((r) => setTimeout(r, 50));
  }
  return out;
}

describe('slow clients', () => {
  it('headers sent one byte a second: cut off within the request timeout, others unaffected', async () => {
    const slow = Array.from({ length: 20 }, () =>
      dribble('GET /auth/me HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ', 'abcdefgh'),
    );
    const latencies = await healthLatencies(20);
    const results = await Promise.all(slow);
    console.log(`[slow-clients] header dribblers cut after ${results.map((r) => Math.round(r.ms)).join(', ')} ms`);
    for (const r of results) expect(r.ms).toBeLessThan(TIMEOUT_MS + 1500);
    // "Unaffected" is a property, not a speed: every health check is answered while the dribblers
    // hold their sockets, none waits for them to be cut (a wall-clock bound near the timeout
    // would only say the machine was busy).
    expect(latencies).toHaveLength(20);
    expect(Math.max(...latencies)).toBeLessThan(TIMEOUT_MS / 2);
  }, 30_000);

  it('a body sent one byte a second: cut off within the request timeout with 408', async () => {
    const r = await dribble(
      'POST /api/v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"search_query":"',
      'x',
    );
    expect(r.ms).toBeLessThan(TIMEOUT_MS + 1500);
    expect(r.response).toMatch(/^HTTP\/1\.1 408/);
  }, 30_000);

  it('a 100 KB header is refused at once with 431', async () => {
    const s = performance.now();
    const res = await fetch(`${t.url}/healthz`, { headers: { 'x-big': 'a'.repeat(100 * 1024) } }).catch((e) => e);
    const ms = performance.now() - s;
    if (res instanceof Response) expect(res.status).toBe(431);
    else expect(String(res)).toMatch(/fetch failed|socket/i); // the server closed the connection
    expect(ms).toBeLessThan(1000);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });
});

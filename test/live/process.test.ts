// Live updates in a real gateway process: 1,000 idle subscriptions (memory per
// subscription, CPU at rest), 10,000 subscribe/unsubscribe cycles that leave nothing
// behind, and SIGTERM: every open socket is closed with 1001 and the process exits 0.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { killGatewayProcesses, startGatewayProcess } from '../helpers/gateway-process.js';
import { adminQuery, withDatabase } from '../helpers/pg-admin.js';
import { waitFor } from '../runs/helpers.js';

const tpl = inject('pgTemplate');
const dbs: string[] = [];

afterAll(async () => {
  killGatewayProcesses();
  for (const name of dbs)
    await adminQuery(tpl!.serverUrl, `drop database if exists ${name} with (force)`).catch(() => {});
});

async function startGateway() {
  const name = `torale_t_${tpl!.runId}_live_${randomBytes(3).toString('hex')}`;
  dbs.push(name);
  await adminQuery(tpl!.serverUrl, `create database ${name} template ${tpl!.template}`);
  // A small old space: a leak would end the process long before the cycles do; garbage does not.
  const g = await startGatewayProcess({
    nodeArgs: ['--max-old-space-size=200'],
    env: {
      DATABASE_URL: withDatabase(tpl!.serverUrl, name),
      TORALE_NOAUTH: '1',
      TORALE_RUNNER: '0',
      LOG_LEVEL: 'warn',
      LIVE_CONNECTIONS_PER_USER: '2000',
      LIVE_SUBSCRIPTIONS_PER_CONNECTION: '1000',
    },
    ready: '/readyz',
    timeoutMs: 30_000,
  });
  return Object.assign(g, { base: g.url });
}

const metric = async (base: string, name: string) => {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(
    text
      .split('\n')
      .find((l) => l.startsWith(`${name} `))
      ?.split(' ')[1] ?? Number.NaN,
  );
};

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
const cpuTicks = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime
};

/** An acknowledged graphql-transport-ws socket. */
async function socket(
  base: string,
): Promise<{ ws: WebSocket; messages: { id?: string; type: string }[]; closed: Promise<number> }> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: { id?: string; type: string }[] = [];
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
  await new Promise((resolve, reject) => {
    ws.on('open', resolve);
    ws.on('error', reject);
  });
  ws.send(JSON.stringify({ type: 'connection_init' }));
  await waitFor('connection_ack', async () => messages.some((m) => m.type === 'connection_ack'));
  return { ws, messages, closed };
}

describe.skipIf(!tpl)('live updates in a gateway process', () => {
  it('1,000 idle subscriptions, 10,000 subscribe/unsubscribe cycles, then SIGTERM → 1001 and exit 0', async () => {
    const g = await startGateway();
    const pid = g.child.pid!;
    await new Promise((r) => setTimeout(r, 1000));
    const rssBefore = rssKb(pid);

    // 1,000 subscriptions on 100 sockets.
    const sockets = await Promise.all(Array.from({ length: 100 }, () => socket(g.base)));
    let id = 0;
    for (const s of sockets) {
      for (let i = 0; i < 10; i++) {
        s.ws.send(
          JSON.stringify({
            id: String(++id),
            type: 'subscribe',
            payload: { query: 'subscription { taskUpdated { id } }' },
          }),
        );
      }
    }
    await waitFor(
      '1,000 subscriptions',
      async () => (await metric(g.base, 'torale_live_subscriptions')) === 1000,
      20_000,
    );
    await new Promise((r) => setTimeout(r, 1000));
    const rssHeld = rssKb(pid);
    const ticks0 = cpuTicks(pid);
    await new Promise((r) => setTimeout(r, 5000));
    const restCpu = (cpuTicks(pid) - ticks0) / 100 / 5; // seconds of CPU per second
    const perSubKb = (rssHeld - rssBefore) / 1000;
    console.log(
      `[live] 1,000 idle subscriptions on 100 sockets: RSS ${Math.round(rssBefore / 1024)} → ${Math.round(rssHeld / 1024)} MB (${perSubKb.toFixed(1)} KB per subscription incl. its share of a socket), CPU at rest ${(restCpu * 100).toFixed(1)} %`,
    );
    expect(await metric(g.base, 'torale_live_connections')).toBe(100);

    // 10,000 subscribe/unsubscribe cycles on one socket, in two halves, in a heap of at most
    // 200 MB: a leak would exhaust it; what remains in use is garbage GC takes back.
    const churn = await socket(g.base);
    const heaps: number[] = [];
    for (let batch = 0; batch < 2; batch++) {
      for (let round = 0; round < 50; round++) {
        for (let i = 0; i < 100; i++) {
          const sid = `c${batch}_${round}_${i}`;
          const query = 'subscription { executionUpdated { id } }';
          churn.ws.send(JSON.stringify({ id: sid, type: 'subscribe', payload: { query } }));
          churn.ws.send(JSON.stringify({ id: sid, type: 'complete' }));
        }
        // A protocol ping after each hundred: the server has handled them when its pong arrives.
        const pongs = churn.messages.filter((m) => m.type === 'pong').length;
        churn.ws.send(JSON.stringify({ type: 'ping' }));
        await waitFor('pong', async () => churn.messages.filter((m) => m.type === 'pong').length > pongs);
      }
      await waitFor(
        'the cycles to settle',
        async () => (await metric(g.base, 'torale_live_subscriptions')) === 1000,
        20_000,
      );
      await new Promise((r) => setTimeout(r, 1500));
      heaps.push(await metric(g.base, 'torale_nodejs_heap_size_used_bytes'));
    }
    const mb = (b: number) => (b / 1e6).toFixed(1);
    console.log(
      `[live] 2 × 5,000 subscribe/unsubscribe cycles: subscriptions back to 1,000 each time, heap after each ${heaps.map(mb).join(' / ')} MB, RSS ${Math.round(rssKb(pid) / 1024)} MB`,
    );
    expect(await metric(g.base, 'torale_live_connections')).toBe(101);
    expect(g.child.exitCode).toBeNull();
    expect(Math.max(...heaps)).toBeLessThan(200e6);

    // SIGTERM with 101 sockets open.
    const closes = Promise.all([...sockets, churn].map((s) => s.closed));
    const signalled = Date.now();
    g.child.kill('SIGTERM');
    const codes = await closes;
    const code = await g.exited;
    console.log(
      `[live] SIGTERM: ${codes.length} sockets closed with ${[...new Set(codes)].join(',')}, exit ${code} after ${Date.now() - signalled} ms`,
    );
    expect(new Set(codes)).toEqual(new Set([1001]));
    expect(code, g.output()).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);
  }, 120_000);
});

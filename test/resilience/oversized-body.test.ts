// A client that sends a body over the limit reads the 413, every time, instead of having
// its connection reset while it is still uploading.
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let tdb: TestDatabase;
let t: TestApp;

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await startApp(tdb, { env: { TORALE_NOAUTH: '1' }, listen: true });
});
afterAll(async () => {
  await t?.close();
  await tdb?.drop();
});

/** Uploads `size` bytes of JSON in 64 KB writes; resolves with the status read, or the error. */
function upload(size: number, chunked: boolean): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const url = new URL('/api/v1/tasks', t.url);
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': String(size) }) },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
    });
    req.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        const n = Math.min(chunk.length, size - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/**
 * Like a client busy uploading (curl, a browser): it sends the whole request first and
 * only then reads. A server that closed early has reset the connection by then, and the
 * reset throws away the 413 it had sent.
 */
function uploadThenRead(size: number, path: string): Promise<{ head?: string; error?: string }> {
  return new Promise((resolve) => {
    const url = new URL(path, t.url);
    const socket = connect(Number(url.port), url.hostname);
    socket.pause();
    let text = '';
    socket.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
    socket.on('data', (d) => (text += d));
    socket.on('end', () => resolve({ head: text }));
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`,
    );
    socket.write(Buffer.alloc(size, 0x20), () => {
      setTimeout(() => socket.resume(), 100);
    });
  });
}

describe('oversized bodies', () => {
  it.each(['/api/v1/tasks', '/graphql', '/auth/api-keys'])(
    '%s: a client that reads only after uploading 8 MB still reads the 413',
    async (path) => {
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await uploadThenRead(8 * 1024 * 1024, path));
      console.log(
        `[oversized-body] upload-then-read ${path}: ${JSON.stringify(results.map((r) => r.error ?? r.head?.slice(0, 12)))}`,
      );
      for (const r of results) {
        expect(r.error).toBeUndefined();
        expect(r.head).toMatch(/^HTTP\/1\.1 413 /);
        expect(r.head).toContain(
          path === '/graphql' ? '"message":"Request body is too large"' : '{"detail":"Request body is too large"}',
        );
      }
    },
    60_000,
  );

  it.each([
    ['with content-length', false],
    ['chunked', true],
  ])(
    '2 MB %s: 413 with the usual body, 30 times out of 30',
    async (_name, chunked) => {
      const SIZE = Number(process.env.OVERSIZE_MB ?? 2) * 1024 * 1024;
      const results = [];
      for (let i = 0; i < 30; i++) results.push(await upload(SIZE, chunked));
      const errors = results.filter((r) => r.error).map((r) => r.error);
      console.log(
        `[oversized-body] ${_name}: ${results.length - errors.length} read the 413, errors ${JSON.stringify(errors)}`,
      );
      expect(errors).toEqual([]);
      for (const r of results) {
        expect(r.status).toBe(413);
        expect(JSON.parse(r.body ?? '')).toEqual({ detail: 'Request body is too large' });
      }
    },
    60_000,
  );
});

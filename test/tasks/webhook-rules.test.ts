// Which webhooks can be saved (security review, issue 12): only targets at global unicast
// addresses, and only headers node's HTTP client will send.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPublicAddress } from '../../src/webhooks/webhook-targets.js';
import type { TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { type SignedInUser, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
let u: SignedInUser;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway());
  u = await signIn(t.app, clerk);
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

const NOT_PUBLIC = 'Invalid notification: webhook url must not target loopback, private or link-local addresses';

describe('webhook targets on save', () => {
  it.each([
    ['IPv4-compatible loopback', 'https://[::127.0.0.1]/x'],
    ['6to4 of loopback', 'https://[2002:7f00:1::1]/x'],
    ['IPv6 site-local', 'https://[fec0::1]/x'],
    ['Teredo', 'https://[2001:0::1]/x'],
    ['Teredo, another host', 'https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x'],
    ['loopback', 'https://127.0.0.1/x'],
    ['loopback, with a port', 'https://127.0.0.2:8443/x'],
    ['private 10/8', 'https://10.20.30.40/x'],
    ['private 172.16/12', 'https://172.31.0.1/x'],
    ['cloud metadata', 'https://169.254.169.254/latest'],
    ['IPv6 loopback', 'https://[::1]/x'],
    ['IPv6 unspecified', 'https://[::]/x'],
    ['IPv6 unique local', 'https://[fc00::1]/x'],
    ['IPv6 link-local', 'https://[fe80::1]/x'],
    ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/x'],
    ['IPv4-mapped private', 'https://[::ffff:10.0.0.1]/x'],
    ['NAT64 of loopback', 'https://[64:ff9b::7f00:1]/x'],
    ['carrier-grade NAT', 'https://100.64.0.1/x'],
    ['this network', 'https://0.0.0.0/x'],
    ['multicast', 'https://224.0.0.1/x'],
    ['IPv6 multicast', 'https://[ff02::1]/x'],
    ['broadcast', 'https://255.255.255.255/x'],
    ['TEST-NET-1', 'https://192.0.2.1/x'],
    ['benchmarking', 'https://198.18.0.1/x'],
    ['IPv6 documentation', 'https://[2001:db8::1]/x'],
    ['outside IPv6 global unicast', 'https://[4000::1]/x'],
    ['loopback written as one number', 'https://2130706433/x'],
  ])('%s (%s) → 400', async (_what, url) => {
    const res = await rest(t.app, 'POST', '/api/v1/tasks', u.headers, {
      search_query: 'q',
      notifications: [{ type: 'webhook', url }],
    });
    expect(res.status, res.raw).toBe(400);
    expect(res.body).toEqual({ detail: NOT_PUBLIC });
  });

  it.each([
    'https://8.8.8.8/x',
    'https://1.1.1.1:8443/x',
    'https://[2606:4700::1111]/x',
    'https://[2001:4860:4860::8888]/x',
    'https://[::ffff:8.8.8.8]/x',
    'https://hooks.example.com/x',
  ])('%s → 200', async (url) => {
    const res = await rest(t.app, 'POST', '/api/v1/tasks', u.headers, {
      search_query: 'q',
      notifications: [{ type: 'webhook', url }],
    });
    expect(res.status, res.raw).toBe(200);
    // Stored and echoed as written, as Torale does.
    expect(res.body.notifications[0].url).toBe(url);
  });
});

describe('webhook headers on save', () => {
  const BAD_VALUE = (name: string) =>
    `Invalid notification: header "${name}" must be printable ASCII or Latin-1, without control characters`;

  it.each([
    ['a control character', 'X-Token', 'abc\u0001def'],
    ['an escape sequence', 'X-Token', '\u001b[31mred'],
    ['DEL', 'X-Token', 'abc\u007f'],
    ['a character outside Latin-1', 'X-Price', '10 €'],
    ['an emoji', 'X-Mood', 'ok 👍'],
    ['a carriage return', 'X-Token', 'a\rb'],
    ['a NUL', 'X-Token', 'a\u0000b'],
  ])('PUT with a value holding %s → 400, and nothing changes', async (_what, name, value) => {
    const created = await rest(t.app, 'POST', '/api/v1/tasks', u.headers, {
      search_query: 'q',
      notifications: [{ type: 'webhook', url: 'https://hooks.example.com/x', headers: { 'X-Token': 'good' } }],
    });
    expect(created.status).toBe(200);
    const res = await rest(t.app, 'PUT', `/api/v1/tasks/${created.body.id}`, u.headers, {
      notifications: [{ type: 'webhook', url: 'https://hooks.example.com/x', headers: { [name]: value } }],
    });
    expect(res.status, res.raw).toBe(400);
    expect(res.body).toEqual({ detail: BAD_VALUE(name) });
    const after = await rest(t.app, 'GET', `/api/v1/tasks/${created.body.id}`, u.headers);
    expect(after.body.notifications[0].headers).toEqual({ 'X-Token': 'good' });
  });

  it.each([
    ['a space', 'X Token'],
    ['a colon', 'X-Token:'],
    ['a non-ASCII letter', 'X-Tökén'],
    ['nothing', ''],
  ])('PUT with a name holding %s → 400', async (_what, name) => {
    const created = await rest(t.app, 'POST', '/api/v1/tasks', u.headers, { search_query: 'q' });
    const res = await rest(t.app, 'PUT', `/api/v1/tasks/${created.body.id}`, u.headers, {
      notifications: [{ type: 'webhook', url: 'https://hooks.example.com/x', headers: { [name]: 'v' } }],
    });
    expect(res.status, res.raw).toBe(400);
    expect(res.body).toEqual({ detail: `Invalid notification: header "${name}" is not allowed` });
  });

  it('values node sends as they are (tab, Latin-1, visible ASCII) are kept', async () => {
    const headers = {
      'X-Tab': 'a\tb',
      'X-Latin1': 'café naïve ÿ',
      'X-Ascii': '!"#$%&\'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~',
    };
    const res = await rest(t.app, 'POST', '/api/v1/tasks', u.headers, {
      search_query: 'q',
      notifications: [{ type: 'webhook', url: 'https://hooks.example.com/x', headers }],
    });
    expect(res.status, res.raw).toBe(200);
    expect(res.body.notifications[0].headers).toEqual(headers);
  });
});

// The send-time check sees addresses as the resolver writes them (inet_ntop), not as URLs do.
describe('addresses as DNS answers carry them', () => {
  it.each([
    ['::127.0.0.1', false], // IPv4-compatible ::7f00:1, not IPv4-mapped
    ['::8.8.8.8', false], // IPv4-compatible too: not global unicast
    ['::ffff:127.0.0.1', false],
    ['::ffff:8.8.8.8', true],
    ['fe80::1%eth0', false],
    ['2606:4700:4700::1111', true],
    ['93.184.215.14', true],
    ['not an address', false],
  ])('%s → public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

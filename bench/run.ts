// `npm run bench [-- --quick]`: measures the gateway against baselines started in the same
// run, interleaved over 3 rounds, and checks bench/goals.json. Loopback only, bounded time.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import bcrypt from 'bcrypt';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { sql } from 'kysely';
import pg from 'pg';
import { displayPrefixOf, generateApiKey } from '../src/auth/api-key-format.js';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createLogger } from '../src/lib/logger.js';

const ROOT = new URL('..', import.meta.url).pathname;
const quick = process.argv.includes('--quick');
const ROUNDS = 3;
const DURATION = quick ? 1 : 4; // seconds per measurement
const BASE_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Goal {
  what: string;
  measure?: string;
  vs?: string;
  metric: 'rps' | 'p99_over_p50' | 'peak_rss_mb';
  min_ratio?: number;
  max?: number;
  max_sql_per_request?: number;
  max_clerk_calls_per_request?: number;
}

interface Sample {
  round: number;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  sqlPerRequest: number | null;
  clerkCallsPerRequest: number | null;
  bcryptPerRequest: number | null;
  load1: number;
}

const log = (...a: unknown[]) => console.error('[bench]', ...a);
const children: ChildProcess[] = [];

function withDb(url: string, name: string) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin(text: string) {
  const c = new pg.Client({ connectionString: BASE_URL });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

async function seed(url: string) {
  const database = await openDatabase({ url, logger: createLogger('silent') });
  const db = database.db;
  await migrateToLatest(db);
  const user = await db
    .insertInto('users')
    .values({ clerk_user_id: 'user_bench', email: 'bench@example.com', first_name: 'Bench' })
    .returningAll()
    .executeTakeFirstOrThrow();
  const key = generateApiKey();
  await db
    .insertInto('api_keys')
    .values({ user_id: user.id, key_prefix: displayPrefixOf(key), key_hash: await bcrypt.hash(key, 10), name: 'bench' })
    .execute();
  await sql`
    with t as (
      insert into tasks (user_id, name, search_query, condition_description, state, notifications)
      select ${user.id}, 'Monitor ' || g, 'When is release ' || g || ' announced?', 'A date is announced',
             case when g <= 50 then 'active' else 'paused' end,
             '[{"type":"email","address":"bench@example.com"}]'::jsonb
      from generate_series(1, 1000) g
      returning id
    )
    insert into task_executions (task_id, status, started_at, completed_at, result, grounding_sources)
    select t.id, 'success', now() - (s || ' hours')::interval, now() - (s || ' hours')::interval + interval '20 seconds',
           jsonb_build_object('evidence', 'Nothing announced yet', 'confidence', 0.7),
           '[{"url":"https://example.com/news","title":"News"}]'::jsonb
    from t, generate_series(1, 20) s`.execute(db);
  await sql`analyze`.execute(db);
  await database.close();
  return { userId: user.id, key };
}

function start(name: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d) => {
    err += d;
  });
  child.on('exit', (code) => {
    if (code && code !== 0 && !stopping) log(`${name} exited ${code}: ${err.slice(-2000)}`);
  });
  children.push(child);
  return child;
}

async function waitHealthy(port: number) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} never became healthy`);
}

async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

async function baselineQueries(port: number): Promise<number> {
  return ((await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as { queries: number }).queries;
}

function peakRssMb(pid: number | undefined): number {
  if (!pid) return 0;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 102.4) / 10;
}

let stopping = false;

async function main() {
  const t0 = Date.now();
  const dbName = `torale_bench_${Date.now().toString(36)}`;
  await admin(`create database ${dbName}`);
  const dbUrl = withDb(BASE_URL, dbName);
  try {
    log(`seeding ${dbName}: 1 user, 1 API key, 1,000 tasks × 20 executions`);
    const { userId, key } = await seed(dbUrl);
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const clerkToken = await new SignJWT({ sid: 'sess_bench' })
      .setProtectedHeader({ alg: 'RS256', kid: 'ins_bench', typ: 'JWT' })
      .setSubject('user_bench')
      .setIssuedAt()
      .setNotBefore(Math.floor(Date.now() / 1000) - 5)
      .setExpirationTime('2h')
      .sign(privateKey);
    const jwtKey = await exportSPKI(publicKey);

    log('building the gateway (npm run build)');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });

    const gatewayEnv = {
      // API instances: runs are queued, not executed, so background job polling stays out of the numbers.
      TORALE_RUNNER: '0',
      DATABASE_URL: dbUrl,
      CLERK_JWT_KEY: jwtKey,
      LOG_LEVEL: 'silent',
      HOST: '127.0.0.1',
    };
    const ports = { b0: 8101, b1: 8102, b2: 8103, g: 8104, b3: 8105 };
    const tsx = ['--import', 'tsx', 'bench/baselines/server.ts'];
    start('B0', [...tsx, 'hello'], { PORT: String(ports.b0), NODE_ENV: 'production' });
    start('B1', [...tsx, 'key'], {
      PORT: String(ports.b1),
      NODE_ENV: 'production',
      DATABASE_URL: dbUrl,
      KEY_PREFIX: displayPrefixOf(key),
    });
    start('B2', [...tsx, 'list'], {
      PORT: String(ports.b2),
      NODE_ENV: 'production',
      DATABASE_URL: dbUrl,
      USER_ID: userId,
    });
    const gateway = start('gateway', ['dist/src/main.js'], {
      ...gatewayEnv,
      PORT: String(ports.g),
      NODE_ENV: 'production',
    });
    // B3 cannot run with NODE_ENV=production: the switch is refused there by design.
    start('B3', ['dist/src/main.js'], {
      ...gatewayEnv,
      PORT: String(ports.b3),
      NODE_ENV: 'development',
      GRAPHQL_INTROSPECTION: '0',
      TORALE_BENCH_BCRYPT_EVERY_REQUEST: '1',
    });
    await Promise.all(Object.values(ports).map(waitHealthy));

    const gqlBody = (query: string) => JSON.stringify({ query });
    const ME = gqlBody('{ me { id email } }');
    const TASKS = gqlBody(
      '{ tasks { id name searchQuery conditionDescription state nextRun isPublic viewCount subscriberCount createdAt updatedAt lastExecution { id status startedAt completedAt result } } }',
    );
    const json = { 'content-type': 'application/json' };
    const measures: Record<
      string,
      {
        port: number;
        method?: 'GET' | 'POST';
        path?: string;
        headers?: Record<string, string>;
        body?: string;
        connections?: number;
        kind: 'gateway' | 'baseline' | 'none';
      }
    > = {
      b0_hello: { port: ports.b0, kind: 'none' },
      b1_sql_key: { port: ports.b1, kind: 'baseline' },
      b2_sql_list: { port: ports.b2, kind: 'baseline' },
      g1_gql_me_key: {
        port: ports.g,
        method: 'POST',
        path: '/graphql',
        headers: { ...json, authorization: `Bearer ${key}` },
        body: ME,
        kind: 'gateway',
      },
      g2_rest_me_key: { port: ports.g, path: '/auth/me', headers: { authorization: `Bearer ${key}` }, kind: 'gateway' },
      g4_gql_me_clerk: {
        port: ports.g,
        method: 'POST',
        path: '/graphql',
        headers: { ...json, authorization: `Bearer ${clerkToken}` },
        body: ME,
        kind: 'gateway',
      },
      g5_gql_tasks_1000: {
        port: ports.g,
        method: 'POST',
        path: '/graphql',
        headers: { ...json, authorization: `Bearer ${key}` },
        body: TASKS,
        kind: 'gateway',
      },
      b3_gql_me_bcrypt: {
        port: ports.b3,
        method: 'POST',
        path: '/graphql',
        headers: { ...json, authorization: `Bearer ${key}` },
        body: ME,
        kind: 'gateway',
      },
      g6_gql_me_key_c50: {
        port: ports.g,
        method: 'POST',
        path: '/graphql',
        headers: { ...json, authorization: `Bearer ${key}` },
        body: ME,
        connections: 50,
        kind: 'gateway',
      },
    };

    // Correctness first: every target answers 200 with the expected shape.
    for (const [name, m] of Object.entries(measures)) {
      const res = await fetch(`http://127.0.0.1:${m.port}${m.path ?? '/'}`, {
        method: m.method ?? 'GET',
        headers: m.headers,
        body: m.body,
      });
      const text = await res.text();
      if (res.status !== 200 || text.includes('"errors"'))
        throw new Error(`${name} answered ${res.status}: ${text.slice(0, 300)}`);
      if (name.startsWith('g5') && (JSON.parse(text) as { data: { tasks: unknown[] } }).data.tasks.length !== 1000) {
        throw new Error('g5 did not return 1,000 tasks');
      }
    }

    // SQL statements per request, measured exactly: sequential requests, nothing in flight.
    const sqlPerRequest: Record<string, number | null> = {};
    for (const [name, m] of Object.entries(measures)) {
      if (m.kind === 'none') {
        sqlPerRequest[name] = null;
        continue;
      }
      const read = () => (m.kind === 'gateway' ? metric(m.port, 'torale_db_queries_total') : baselineQueries(m.port));
      const before = await read();
      for (let i = 0; i < 5; i++) {
        await (
          await fetch(`http://127.0.0.1:${m.port}${m.path ?? '/'}`, {
            method: m.method ?? 'GET',
            headers: m.headers,
            body: m.body,
          })
        ).text();
      }
      sqlPerRequest[name] = ((await read()) - before) / 5;
    }

    // Warm-up, not recorded: every server's code paths are JIT-compiled before round 1.
    for (const m of Object.values(measures)) {
      await autocannon({
        url: `http://127.0.0.1:${m.port}${m.path ?? '/'}`,
        method: m.method ?? 'GET',
        headers: m.headers,
        body: m.body,
        connections: m.connections ?? 10,
        duration: 1,
      });
    }

    const samples: Record<string, Sample[]> = {};
    const names = Object.keys(measures);
    for (let round = 1; round <= ROUNDS; round++) {
      // Interleave: each round starts at a different measure.
      const order = names.map((_, i) => names[(i + round - 1) % names.length] as string);
      for (const name of order) {
        const m = measures[name]!;
        const before =
          m.kind === 'gateway'
            ? {
                c: await metric(m.port, 'torale_clerk_user_lookups_total'),
                b: await metric(m.port, 'torale_apikey_bcrypt_verifications_total'),
              }
            : m.kind === 'baseline'
              ? { c: 0, b: 0 }
              : null;
        const r = await autocannon({
          url: `http://127.0.0.1:${m.port}${m.path ?? '/'}`,
          method: m.method ?? 'GET',
          headers: m.headers,
          body: m.body,
          connections: m.connections ?? 10,
          duration: name.startsWith('b3') ? Math.max(DURATION, 2) : DURATION,
          timeout: 30,
        });
        const requests = r.requests.total;
        let clerkCallsPerRequest: number | null = null;
        let bcryptPerRequest: number | null = null;
        if (before && requests > 0) {
          if (m.kind === 'gateway') {
            clerkCallsPerRequest = ((await metric(m.port, 'torale_clerk_user_lookups_total')) - before.c) / requests;
            bcryptPerRequest =
              ((await metric(m.port, 'torale_apikey_bcrypt_verifications_total')) - before.b) / requests;
          }
        }
        const s: Sample = {
          round,
          rps: r.requests.average,
          p50: r.latency.p50,
          p99: r.latency.p99,
          requests,
          errors: r.errors + r.timeouts + r.non2xx,
          sqlPerRequest: sqlPerRequest[name] ?? null,
          clerkCallsPerRequest,
          bcryptPerRequest,
          load1: loadavg()[0] ?? 0,
        };
        samples[name] = [...(samples[name] ?? []), s];
        log(
          `round ${round} ${name.padEnd(20)} ${s.rps.toFixed(0).padStart(7)} req/s  p50 ${s.p50}ms  p99 ${s.p99}ms  errors ${s.errors}`,
        );
      }
    }
    const peakRss = peakRssMb(gateway.pid);

    // --- goals ---------------------------------------------------------------------------
    const goals = JSON.parse(readFileSync(new URL('goals.json', import.meta.url), 'utf8')) as Record<string, Goal>;
    const verdicts: Record<string, { pass: boolean; perRound: (number | null)[]; detail: string }> = {};
    for (const [id, g] of Object.entries(goals)) {
      const perRound: (number | null)[] = [];
      const misses: boolean[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const mine = g.measure ? samples[g.measure]?.[round - 1] : undefined;
        let value: number | null = null;
        let ok = true;
        if (g.metric === 'peak_rss_mb') {
          value = peakRss;
          ok = value <= (g.max ?? Number.POSITIVE_INFINITY);
        } else if (g.metric === 'p99_over_p50' && mine) {
          value = mine.p99 / Math.max(mine.p50, 1);
          ok = value <= (g.max ?? Number.POSITIVE_INFINITY);
        } else if (g.metric === 'rps' && mine && g.vs) {
          const other = samples[g.vs]?.[round - 1];
          value = other && other.rps > 0 ? mine.rps / other.rps : null;
          ok = value !== null && value >= (g.min_ratio ?? 0);
        }
        if (mine && g.max_sql_per_request !== undefined)
          ok &&= (mine.sqlPerRequest ?? Infinity) <= g.max_sql_per_request + 0.01;
        if (mine && g.max_clerk_calls_per_request !== undefined) {
          ok &&= (mine.clerkCallsPerRequest ?? Infinity) <= g.max_clerk_calls_per_request;
        }
        if (mine && mine.errors > 0) ok = false;
        perRound.push(value === null ? null : Math.round(value * 1000) / 1000);
        misses.push(!ok);
      }
      const pass = misses.filter(Boolean).length < 2;
      const target = g.min_ratio !== undefined ? `≥ ${g.min_ratio}` : `≤ ${g.max}`;
      verdicts[id] = { pass, perRound, detail: `${g.what}: ${perRound.join(' / ')} (goal ${target})` };
    }

    // --- report ----------------------------------------------------------------------------
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const rows = Object.entries(samples).map(([name, ss]) => ({
      name,
      rps: Math.round(median(ss.map((s) => s.rps))),
      p50: median(ss.map((s) => s.p50)),
      p99: median(ss.map((s) => s.p99)),
      errors: ss.reduce((a, s) => a + s.errors, 0),
      sql: ss[0]?.sqlPerRequest === null ? '–' : median(ss.map((s) => s.sqlPerRequest ?? 0)).toFixed(2),
      bcrypt: ss[0]?.bcryptPerRequest === null ? '–' : median(ss.map((s) => s.bcryptPerRequest ?? 0)).toFixed(3),
    }));
    const load = loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
    const lines = [
      `| measure | req/s (median of ${ROUNDS}) | p50 ms | p99 ms | errors | SQL/req | bcrypt/req |`,
      '|---|---:|---:|---:|---:|---:|---:|',
      ...rows.map((r) => `| ${r.name} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.sql} | ${r.bcrypt} |`),
      '',
      `Gateway peak RSS: ${peakRss} MB. Load average at the end: ${load}. ${DURATION}s per measurement, ${ROUNDS} interleaved rounds${quick ? ' (--quick)' : ''}.`,
      '',
      '| goal | verdict | per round |',
      '|---|---|---|',
      ...Object.entries(verdicts).map(([id, v]) => `| ${id} | ${v.pass ? 'pass' : 'FAIL'} | ${v.detail} |`),
    ];
    const table = lines.join('\n');
    console.log(`\n${table}\n`);
    const result = {
      date: new Date().toISOString(),
      quick,
      durationSeconds: DURATION,
      rounds: ROUNDS,
      node: process.version,
      loadavg: loadavg(),
      peakRssMb: peakRss,
      samples,
      verdicts,
      wallSeconds: Math.round((Date.now() - t0) / 1000),
    };
    const out = quick ? 'quick' : 'latest';
    writeFileSync(new URL(`results/${out}.json`, import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(new URL(`results/${out}.md`, import.meta.url), `${table}\n`);
    if (!quick) {
      // The README's Performance section is generated from the latest full run.
      const readme = new URL('../README.md', import.meta.url);
      const text = readFileSync(readme, 'utf8');
      const section = `<!-- bench:start -->\nLast full run: ${result.date.slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}, 2 cores shared by the gateway, PostgreSQL and the load generator.\n\n${table}\n<!-- bench:end -->`;
      writeFileSync(readme, text.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, section));
    }
    log(`wrote bench/results/${out}.json and .md in ${result.wallSeconds}s`);
    process.exitCode = Object.values(verdicts).every((v) => v.pass) ? 0 : 1;
  } finally {
    stopping = true;
    for (const c of children) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await admin(`drop database if exists ${dbName} with (force)`).catch(() => {});
  }
}

main().catch((err) => {
  console.error(err);
  stopping = true;
  for (const c of children) c.kill('SIGKILL');
  process.exit(2);
});

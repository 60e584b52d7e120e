// The import proof on a database built by Torale's own migrations (issue 29, must-show 1): imports
// it into fresh gateway databases and checks, printing what it saw (JSON lines to stdout):
//   import   : the tool's report (counts on both sides, rate, time for a million tasks)
//   again    : a second import changes no row of any table (every row compared as JSON)
//   killed   : an import SIGKILLed halfway into another fresh database, run again: completes, and
//              its rows equal the uninterrupted import's (columns that hold the import's own time
//              are named, not hidden)
//   serve    : the gateway on the imported database (runner on, fake agent, Clerk key pair):
//              Torale keys answer REST /auth/me and GraphQL me, a revoked one is refused, a Clerk
//              session of an imported user sees that user's tasks, Torale's SDK lists tasks and
//              findings (sdk_check.py), imported active tasks run at their Torale next_run.
//
//   npm run build && node scripts/torale-import/proof.mjs --torale postgres://…/import_proof_torale \
//     --keys ../import-proof-keys.json --venv ../import-proof-venv --out test-artifacts/torale-import
// Ports: gateway 18500, agent 18520. Databases import_proof_gw and import_proof_gw_killed.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import pg from 'pg';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const TORALE = arg('torale');
const KEYS = JSON.parse(readFileSync(arg('keys'), 'utf8'));
const VENV = arg('venv');
const OUT = arg('out', 'test-artifacts/torale-import');
const PG = 'postgres://postgres@127.0.0.1:5432';
const GW = `${PG}/import_proof_gw`;
const KILLED = `${PG}/import_proof_gw_killed`;
const PORT = 18500;
const AGENT_PORT = 18520;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const say = (step, data) => console.log(JSON.stringify({ step, ...data }));
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function query(url, text, values = []) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, values)).rows;
  } finally {
    await c.end();
  }
}

function freshDb(name) {
  spawnSync('dropdb', ['-h', '127.0.0.1', '-U', 'postgres', '--if-exists', '--force', name]);
  const r = spawnSync('createdb', ['-h', '127.0.0.1', '-U', 'postgres', name]);
  if (r.status !== 0) throw new Error(`createdb ${name}: ${r.stderr}`);
}

/** The import CLI in its own process group (so SIGKILL reaches tsx's node, not only a wrapper). */
function importer(db, file) {
  const child = spawn('npx', ['tsx', 'src/cli/import-torale.ts', '--from', TORALE, '--json', `${OUT}/${file}.json`], {
    env: { ...process.env, DATABASE_URL: db },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', () => {}); // the progress bar
  const done = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, out })));
  return { child, done };
}

async function runImport(db, file) {
  const load = loadavg();
  const t0 = Date.now();
  const r = await importer(db, file).done;
  writeFileSync(`${OUT}/${file}.txt`, r.out);
  const report = JSON.parse(readFileSync(`${OUT}/${file}.json`, 'utf8'));
  const last = r.out.trim().split('\n').slice(-2).join(' ');
  say(file, { exit: r.code, seconds: (Date.now() - t0) / 1000, loadBefore: load, loadAfter: loadavg(), mode: report.mode, rate: last });
  if (r.code !== 0) throw new Error(`${file}: exit ${r.code}`);
  return report;
}

/** Every row of every table, as JSON keyed by its primary key. */
async function snapshot(url) {
  const tables = await query(
    url,
    `select c.relname as t, string_agg(a.attname, ',' order by a.attnum) as pk
     from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
     join pg_attribute a on a.attrelid = c.oid and a.attnum = any(i.indkey)
     where i.indisprimary and n.nspname = 'public' and c.relname not like 'kysely%' group by c.relname`,
  );
  const snap = {};
  for (const { t, pk } of tables) {
    const key = pk.split(',').map((c) => `x."${c}"::text`).join(` || '/' || `);
    const rows = await query(url, `select ${key} as k, to_jsonb(x) as j from "${t}" x`);
    snap[t] = new Map(rows.map((r) => [r.k, r.j]));
  }
  return snap;
}

function diff(a, b) {
  const out = {};
  for (const t of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[t] ?? new Map();
    const y = b[t] ?? new Map();
    const d = { onlyFirst: 0, onlySecond: 0, changedRows: 0, columns: {} };
    for (const [k, row] of x) {
      const other = y.get(k);
      if (!other) d.onlyFirst++;
      else if (JSON.stringify(row) !== JSON.stringify(other)) {
        d.changedRows++;
        for (const c of Object.keys(row))
          if (JSON.stringify(row[c]) !== JSON.stringify(other[c])) d.columns[c] = (d.columns[c] ?? 0) + 1;
      }
    }
    for (const k of y.keys()) if (!x.has(k)) d.onlySecond++;
    if (d.onlyFirst || d.onlySecond || d.changedRows) out[t] = d;
  }
  return out;
}

const rowsIn = (snap) => Object.fromEntries(Object.entries(snap).map(([t, m]) => [t, m.size]));

async function idempotence() {
  freshDb('import_proof_gw');
  await runImport(GW, 'import-1');
  const before = await snapshot(GW);
  const second = await runImport(GW, 'import-2');
  const after = await snapshot(GW);
  const changes = diff(before, after);
  say('again', { rows: rowsIn(after), changes, steps: second.steps?.map((s) => [s.name ?? s.step, s.new, s.same]) });
  return after;
}

async function killed(reference) {
  freshDb('import_proof_gw_killed');
  // Migrate first, so that "halfway" is measured in executions written, not in migration time.
  spawnSync('npx', ['tsx', 'src/cli/migrate.ts'], { env: { ...process.env, DATABASE_URL: KILLED } });
  const total = Number((await query(TORALE, 'select count(*) as n from task_executions'))[0].n);
  const run = importer(KILLED, 'import-killed-first');
  let atKill = 0;
  for (;;) {
    await sleep(200);
    const rows = await query(KILLED, 'select count(*) as n from task_executions').catch(() => [{ n: 0 }]);
    atKill = Number(rows[0].n);
    if (atKill >= total / 2) break;
  }
  process.kill(-run.child.pid, 'SIGKILL');
  const first = await run.done;
  writeFileSync(`${OUT}/import-killed-first.txt`, first.out);
  const after = Number((await query(KILLED, 'select count(*) as n from task_executions'))[0].n);
  say('killed', { signal: first.signal, executionsAtKill: atKill, executionsAfterKill: after, of: total });
  await runImport(KILLED, 'import-killed-rerun');
  const snap = await snapshot(KILLED);
  say('killed-vs-uninterrupted', { rows: rowsIn(snap), differences: diff(reference, snap) });
}

async function httpJson(url, init = {}) {
  const r = await fetch(url, init);
  const text = await r.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: r.status, body };
}

async function waitUp(url) {
  for (let i = 0; i < 240; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await sleep(500);
  }
  throw new Error(`${url} not up`);
}

async function serve() {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const agent = spawn('node', ['scripts/torale-clients/agent.mjs'], {
    env: { ...process.env, PORT: String(AGENT_PORT) },
    stdio: 'ignore',
  });
  const startedAt = (await query(GW, 'select now() as t'))[0].t;
  const gw = spawn('node', ['dist/src/main.js'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(PORT),
      DATABASE_URL: GW,
      CLERK_JWT_KEY: await exportSPKI(publicKey),
      TORALE_AGENT_URL: `http://127.0.0.1:${AGENT_PORT}/`,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const base = `http://127.0.0.1:${PORT}`;
    await waitUp(`${base}/healthz`);
    const live = KEYS.find((k) => k.active);
    const revoked = KEYS.find((k) => !k.active);
    const [owner] = await query(TORALE, 'select id, email, clerk_user_id from users where id = $1', [live.user_id]);
    const auth = (k) => ({ authorization: `Bearer ${k}` });
    const meRest = await httpJson(`${base}/auth/me`, { headers: auth(live.key) });
    const meGql = await httpJson(`${base}/graphql`, {
      method: 'POST',
      headers: { ...auth(live.key), 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { id email } }' }),
    });
    const refused = await httpJson(`${base}/auth/me`, { headers: auth(revoked.key) });
    say('keys', {
      torale: { id: owner.id, email: owner.email },
      restMe: [meRest.status, meRest.body?.id ?? meRest.body, meRest.body?.email],
      graphqlMe: [meGql.status, meGql.body?.data?.me],
      revokedKey: [refused.status, refused.body],
      ok: meRest.status === 200 && meRest.body.id === owner.id && meGql.body?.data?.me?.id === owner.id && refused.status === 401,
    });

    // A Clerk session (same Clerk user, token signed by this run's key pair) of the user with most tasks.
    const [busy] = await query(
      TORALE,
      `select u.id, u.clerk_user_id, count(*)::int as n from users u join tasks t on t.user_id = u.id
       group by u.id order by n desc, u.id limit 1`,
    );
    const token = await new SignJWT({ sid: 'sess_import_proof' })
      .setProtectedHeader({ alg: 'RS256', kid: 'ins_proof', typ: 'JWT' })
      .setSubject(busy.clerk_user_id)
      .setIssuedAt()
      .setNotBefore(Math.floor(Date.now() / 1000) - 5)
      .setExpirationTime('1h')
      .sign(privateKey);
    const tasks = await httpJson(`${base}/api/v1/tasks`, { headers: auth(token) });
    const want = (await query(TORALE, 'select id from tasks where user_id = $1 order by id', [busy.id])).map((r) => r.id);
    const got = Array.isArray(tasks.body) ? tasks.body.map((t) => t.id).sort() : tasks.body;
    say('session', { clerkUser: busy.clerk_user_id, status: tasks.status, torale: want.length, gateway: got.length, same: JSON.stringify(got) === JSON.stringify(want) });

    // Torale's SDK with the Torale key.
    const sdk = spawnSync(
      `${VENV}/bin/python`,
      ['scripts/torale-import/sdk_check.py', '--url', base, '--key', live.key, '--torale', TORALE.replace('postgres://', 'postgresql://')],
      { env: { ...process.env, PYTHONPATH: `${VENV}/sdkpkg` }, encoding: 'utf8' },
    );
    writeFileSync(`${OUT}/sdk.json`, sdk.stdout + sdk.stderr);
    say('sdk', { exit: sdk.status, summary: sdk.stdout.slice(0, 400) });

    // Imported active tasks due in the next minutes run at Torale's next_run.
    // Tasks whose imported schedule (Torale's next_run) comes up in the next minutes.
    const soon = await query(
      GW,
      `select id, next_dispatch_at from tasks where state = 'active' and next_dispatch_at > now() + interval '15 seconds'
       and next_dispatch_at < now() + interval '4 minutes' order by next_dispatch_at limit 30`,
    );
    const sameAsTorale = (
      await query(TORALE, 'select id, next_run from tasks where id = any($1)', [soon.map((d) => d.id)])
    ).filter((t) => soon.some((d) => d.id === t.id && d.next_dispatch_at.getTime() === t.next_run?.getTime()));
    const due = soon.filter((d) => sameAsTorale.some((t) => t.id === d.id)).slice(0, 3);
    const ids = due.map((d) => d.id);
    const toraleNext = await query(TORALE, 'select id, next_run from tasks where id = any($1)', [ids]);
    const last = Math.max(...due.map((d) => d.next_dispatch_at.getTime()));
    const waitMs = last - Date.now() + 20_000;
    if (waitMs > 300_000) throw new Error(`next imported run is ${waitMs} ms away`);
    await sleep(waitMs);
    const ran = await query(
      GW,
      `select t.id, min(e.started_at) as started from tasks t join task_executions e on e.task_id = t.id
       where t.id = any($1) and e.started_at >= $2 group by t.id`,
      [ids, startedAt],
    );
    // Those Torale had overdue or unscheduled when the gateway started: until all have run (≤ 3 min).
    const overdueIds = (
      await query(TORALE, `select id from tasks where state = 'active' and (next_run is null or next_run < $1)`, [startedAt])
    ).map((r) => r.id);
    const ranOf = async () =>
      (
        await query(
          GW,
          `select count(distinct task_id)::int as n, max(started_at) as last from task_executions
           where started_at >= $1 and task_id = any($2)`,
          [startedAt, overdueIds],
        )
      )[0];
    let overdueRan = await ranOf();
    for (let i = 0; i < 180 && overdueRan.n < overdueIds.length; i++) {
      await sleep(1000);
      overdueRan = await ranOf();
    }
    const overdue = await query(
      GW,
      `select count(distinct e.task_id)::int as ran from task_executions e where e.started_at >= $1
       and e.task_id = any($2)`,
      [startedAt, (await query(TORALE, `select id from tasks where state = 'active' and (next_run is null or next_run < $1)`, [startedAt])).map((r) => r.id)],
    );
    const [overdueTotal] = await query(TORALE, `select count(*)::int as n from tasks where state = 'active' and (next_run is null or next_run < $1)`, [startedAt]);
    say('schedule', {
      runs: toraleNext.map((t) => {
        const r = ran.find((x) => x.id === t.id);
        return { task: t.id, toraleNextRun: t.next_run, started: r?.started ?? null, lateSeconds: r ? (r.started - t.next_run) / 1000 : null };
      }),
      overdueOrUnscheduledAtStart: overdueTotal.n,
      ofThemRanSinceStart: overdue[0].ran,
      lastOfThemStartedSecondsAfterStart: overdueRan.last ? (overdueRan.last - startedAt) / 1000 : null,
    });
  } finally {
    gw.kill('SIGTERM');
    agent.kill('SIGTERM');
    await sleep(1000);
  }
}

const only = arg('only', 'import,killed,serve').split(',');
let reference;
if (only.includes('import')) reference = await idempotence();
if (only.includes('killed')) await killed(reference ?? (await snapshot(GW)));
if (only.includes('serve')) await serve();

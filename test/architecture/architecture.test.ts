// The shape the codebase keeps (README "Architecture"): no import cycles, SQL only in
// repositories and src/db, job handlers free of GraphQL, webhook delivery only in
// webhooks/, small files. Each check is also run against a small broken tree, so a check
// that cannot fail would be noticed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  closuresHandedOut,
  envReadsOutside,
  folderImports,
  graphqlReachedFrom,
  importCycles,
  LAYERS,
  lineCount,
  readSources,
  sqlOutsideRepositories,
  webhookDeliveryOutside,
} from '../helpers/architecture.js';

const SRC = new URL('../../src/', import.meta.url).pathname;
const src = readSources(SRC);

describe('src/', () => {
  it('has no import cycles', () => {
    expect(src.length).toBeGreaterThan(50);
    expect(importCycles(src)).toEqual([]);
  });

  it('writes SQL only in *.repository.ts and src/db/', () => {
    expect(sqlOutsideRepositories(src)).toEqual([]);
  });

  it('job handlers (src/runs) reach no GraphQL module', () => {
    expect(graphqlReachedFrom(src, 'runs')).toEqual([]);
  });

  it('does webhook delivery only in webhooks/ (sending, attempts, signing headers, its queue)', () => {
    expect(webhookDeliveryOutside(src)).toEqual([]);
  });

  it('imports point down the layers (README "Architecture"), but for the few named here', () => {
    const { all, upward } = folderImports(src);
    expect(all.length).toBeGreaterThan(100);
    // Counted as distinct folder pairs (scripts: test/helpers/architecture.ts folderImports);
    // 34 of 180 on 8ef14e2. Auth's strategies read the users and api-keys repositories and
    // db/types names the task and waitlist states: each is one import a move would only rename.
    expect(upward).toEqual([
      'auth > api-keys',
      'auth > security',
      'auth/strategies > users',
      'db > tasks',
      'db > waitlist',
    ]);
    expect(upward.length).toBeLessThanOrEqual(8);
  });

  it('no feature imports container.ts, and helper folders (http, graphql, lib) import no feature', () => {
    const features = (unit: string) => !LAYERS.flat().includes(unit.split('/')[0]!);
    const { all } = folderImports(src);
    const pairs = all.map((e) => e.split(' > ') as [string, string]);
    expect(pairs.filter(([from, to]) => features(from) && to === 'container')).toEqual([]);
    expect(pairs.filter(([from, to]) => ['http', 'graphql', 'lib'].includes(from) && features(to))).toEqual([]);
  });

  it('nothing at run time calls back into container.ts: it hands no function of its own to what it builds', () => {
    // Features get each other's services and register their own jobs; a callback written here
    // (8ef14e2's onWebhookDisabled) would run the composition again at run time. close() is its owner's.
    expect(closuresHandedOut(src.find((f) => f.path === 'container.ts')!, ['close'])).toEqual([]);
  });

  it('reads process.env only in src/config/ (every setting is declared there, once)', () => {
    expect(envReadsOutside(src, 'config')).toEqual([]);
  });

  it('has no file over 300 lines, and app.ts stays under 80', () => {
    const long = src.filter((f) => lineCount(f) > 300).map((f) => `${f.path}: ${lineCount(f)}`);
    expect(long).toEqual([]);
    expect(lineCount(src.find((f) => f.path === 'app.ts')!)).toBeLessThan(80);
  });
});

describe('the checks themselves, on a broken tree', () => {
  const dir = mkdtempSync(join(tmpdir(), 'torale-arch-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const put = (path: string, text: string) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  put('a.ts', "import { b } from './b.js';\nexport const a = () => b;\n");
  put('b.ts', "import type { c } from './sub/c.js';\nexport const b = 1 as unknown as typeof c;\n");
  put('sub/c.ts', "import { a } from '../a.js';\nexport const c = a;\n");
  put('users/users.service.ts', "export const f = (db: any) => db.selectFrom('users').selectAll().execute();\n");
  put(
    'users/users.repository.ts',
    "import { sql } from 'kysely';\nexport const g = (db: any) => sql`select 1`.execute(db);\n",
  );
  put('runs/handler.ts', "import { t } from '../users/users.types.js';\nexport const h = t;\n");
  put('users/users.types.ts', "import { Field } from 'type-graphql';\nexport const t = Field;\n");
  put(
    'runs/notify.ts',
    "import { sendWebhook } from '../webhooks/webhook-sender.js';\nexport const n = () => sendWebhook({ headers: { 'X-Torale-Delivery': 'd' } });\n",
  );
  put(
    'notifications/history.repository.ts',
    "export const h = (db: any) => db.selectFrom('notification_attempts').selectAll().execute();\n" +
      "export const w = (db: any) => db.insertInto('notification_attempts').values({}).execute();\n",
  );
  put(
    'webhooks/webhook-sender.ts',
    "export const sendWebhook = (o: any) => fetch('x', { headers: { 'webhook-id': o } });\n",
  );
  put(
    'cli/tool.ts',
    'const { env } = process;\nexport const port = process.env.PORT ?? env.HOST;\n// process.env.X in a comment\n',
  );
  put('config/config.ts', 'export const read = () => process.env;\n');
  put('users/users.routes.ts', "import type { C } from '../container.js';\nexport type R = C;\n");
  put(
    'container.ts',
    'export type C = 1;\nexport function build(xs: number[]) {\n  const ys = xs.map((x) => x);\n' +
      '  function later() {}\n  return { ys, later, onEvent: async () => ys, close() {}, get n() { return 1; } };\n}\n',
  );
  const broken = readSources(dir);

  it('finds a cycle through a type-only import and a subfolder', () => {
    expect(importCycles(broken)).toEqual([['a.ts', 'b.ts', 'sub/c.ts', 'a.ts']]);
  });

  it('finds SQL in a service and allows it in a repository', () => {
    const found = sqlOutsideRepositories(broken);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^users\/users\.service\.ts:1 \(query builder\)/);
  });

  it('finds webhook delivery outside webhooks/, and lets a history read attempts', () => {
    expect(webhookDeliveryOutside(broken)).toEqual([
      "notifications/history.repository.ts:2 (writes attempts): export const w = (db: any) => db.insertInto('notification_attempts').values({}).execute();",
      "runs/notify.ts:2 (sends a webhook): export const n = () => sendWebhook({ headers: { 'X-Torale-Delivery': 'd' } });",
    ]);
  });

  it('finds process.env read outside src/config/, destructured or not, and not in a comment', () => {
    expect(envReadsOutside(broken, 'config')).toEqual([
      'cli/tool.ts:1: const { env } = process;',
      'cli/tool.ts:2: export const port = process.env.PORT ?? env.HOST;',
    ]);
  });

  it('counts folder pairs once and names those that point up the layers', () => {
    const { all, upward } = folderImports(broken);
    expect(all).toContain('users > container');
    expect(all).toEqual(['a > b', 'b > sub', 'runs > users', 'runs > webhooks', 'sub > a', 'users > container']);
    expect(upward).toEqual(['users > container']);
  });

  it('finds functions container.ts hands out, but not callbacks that run at once or the kept close()', () => {
    const container = broken.find((f) => f.path === 'container.ts')!;
    expect(closuresHandedOut(container, ['close'])).toEqual([
      'container.ts:4: function later() {}',
      'container.ts:5: return { ys, later, onEvent: async () => ys, close() {}, get n() { return 1; } };',
      'container.ts:5: return { ys, later, onEvent: async () => ys, close() {}, get n() { return 1; } };',
    ]);
    expect(closuresHandedOut(container, ['close', 'onEvent', 'n', 'later'])).toEqual([
      'container.ts:4: function later() {}',
    ]);
  });

  it('finds GraphQL reached from a job handler', () => {
    expect(graphqlReachedFrom(broken, 'runs')).toEqual(['runs/handler.ts → users/users.types.ts → type-graphql']);
  });
});

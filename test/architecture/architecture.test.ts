// The shape the codebase keeps (README "Architecture"): no import cycles, SQL only in
// repositories and src/db, job handlers free of GraphQL, webhook delivery only in
// webhooks/, small files. Each check is also run against a small broken tree, so a check
// that cannot fail would be noticed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  envReadsOutside,
  graphqlReachedFrom,
  importCycles,
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

  it('finds GraphQL reached from a job handler', () => {
    expect(graphqlReachedFrom(broken, 'runs')).toEqual(['runs/handler.ts → users/users.types.ts → type-graphql']);
  });
});

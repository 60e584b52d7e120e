// Torale's stored shape of a run (issue 21, item 2): `grounding_sources: [{url, title}]` with
// title = the URL's host, and `result` = {evidence, notification, confidence, next_run,
// grounding_sources, activity, metadata: {changed, current_state}, notification_failed,
// auto_complete_failed} (+ topic) — wherever an execution appears; and the migration that
// converts rows written the old way (URL strings, `result.sources`).
import { randomBytes } from 'node:crypto';
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createLogger } from '../../src/lib/logger.js';
import { toExecutionResult, toGroundingSources } from '../../src/tasks/execution-result.js';
import { ExecutionsDocument, FeedDocument, PublicFeedDocument } from '../gql/graphql.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeAgent, startFakeAgent } from '../helpers/fake-agent.js';
import { gql } from '../helpers/gql.js';
import { adminQuery, withDatabase } from '../helpers/pg-admin.js';
import { rest } from '../helpers/rest.js';
import { runEnv, waitFor } from '../runs/helpers.js';

const tpl = inject('pgTemplate');

const RESULT_KEYS = [
  'activity',
  'auto_complete_failed',
  'confidence',
  'evidence',
  'grounding_sources',
  'metadata',
  'next_run',
  'notification',
  'notification_failed',
  'topic',
];

describe('toGroundingSources', () => {
  it('titles each URL with its host, keeps given titles, drops what has no URL text', () => {
    expect(
      toGroundingSources([
        'https://www.apple.com/newsroom/2026/09/',
        'http://example.com:8080/a?b#c',
        'https://user:pw@secret.example.org/x',
        'not a url',
        '',
        '   ',
        42,
        null,
        { url: 'https://github.com/x', title: 'GitHub' },
        { url: 'https://docs.rs/y' },
        { title: 'no url' },
        'https://bad\u0000host.example/',
      ]),
    ).toEqual([
      { url: 'https://www.apple.com/newsroom/2026/09/', title: 'www.apple.com' },
      { url: 'http://example.com:8080/a?b#c', title: 'example.com:8080' },
      { url: 'https://user:pw@secret.example.org/x', title: 'secret.example.org' },
      { url: 'not a url', title: 'not a url' },
      { url: 'https://github.com/x', title: 'GitHub' },
      { url: 'https://docs.rs/y', title: 'docs.rs' },
      { url: 'https://badhost.example/', title: 'badhost.example' },
    ]);
    expect(toGroundingSources('https://x.example')).toEqual([]);
    expect(toGroundingSources(Array.from({ length: 80 }, (_, i) => `https://s${i}.example/`))).toHaveLength(50);
  });

  it('builds the whole stored result, storable in jsonb (no NUL, no lone surrogate)', () => {
    const r = toExecutionResult({
      evidence: 'e\u0000v \ud800',
      notification: 'met',
      confidence: 88,
      nextRun: new Date('2030-01-01T00:00:00Z'),
      sources: ['https://a.example/'],
      activity: [{ tool: 'search', detail: 'looked', extra: 1 }, { tool: 1 }, 'x'],
      topic: 'Topic',
    });
    expect(Object.keys(r).sort()).toEqual(RESULT_KEYS);
    expect(r).toEqual({
      evidence: 'ev \ufffd',
      notification: 'met',
      confidence: 88,
      next_run: '2030-01-01T00:00:00.000Z',
      grounding_sources: [{ url: 'https://a.example/', title: 'a.example' }],
      activity: [{ tool: 'search', detail: 'looked', connector_slug: null, annotations: null }],
      metadata: { changed: true, current_state: null },
      notification_failed: false,
      auto_complete_failed: false,
      topic: 'Topic',
    });
    const quiet = toExecutionResult({ ...r, nextRun: null, notification: null, sources: [], topic: null });
    expect(quiet).toMatchObject({ notification: null, next_run: null, metadata: { changed: false } });
  });
});

describe.skipIf(!tpl)('a run stores and answers Torale’s shape everywhere', () => {
  let tdb: TestDatabase;
  let agent: FakeAgent;
  let t: TestApp;

  beforeAll(async () => {
    [tdb, agent] = await Promise.all([createTestDatabase(), startFakeAgent()]);
    t = await startApp(tdb, { env: runEnv(agent.url), jobs: true, ownPool: true });
  });
  afterAll(async () => {
    await t?.close();
    await agent?.close();
    await tdb?.drop();
  });

  it('sources sent as URL strings (Torale’s agent) come back as [{url, title: host}]', async () => {
    agent.script.push({
      kind: 'answer',
      result: {
        evidence: 'Apple set the date',
        sources: ['https://www.apple.com/newsroom/', 'https://en.wikipedia.org/wiki/IPhone'],
        confidence: 91,
        next_run: new Date(Date.now() + 3600_000).toISOString(),
        notification: 'The date is September 9',
        topic: 'iPhone date',
      },
    });
    const created = await rest(
      t.app,
      'POST',
      '/api/v1/tasks',
      {},
      { search_query: 'iPhone date', run_immediately: true },
    );
    expect(created.status).toBe(200);
    const id = created.body.id as string;
    await rest(t.app, 'PATCH', `/api/v1/tasks/${id}/visibility`, {}, { is_public: true });
    const [run] = await waitFor('the run', async () => {
      const l = (await rest(t.app, 'GET', `/api/v1/tasks/${id}/executions`, {})).body;
      return l[0]?.status === 'success' ? l : undefined;
    });
    const sources = [
      { url: 'https://www.apple.com/newsroom/', title: 'www.apple.com' },
      { url: 'https://en.wikipedia.org/wiki/IPhone', title: 'en.wikipedia.org' },
    ];
    expect(run.grounding_sources).toEqual(sources);
    expect(Object.keys(run.result).sort()).toEqual(RESULT_KEYS);
    expect(run.result).toMatchObject({
      evidence: 'Apple set the date',
      notification: 'The date is September 9',
      confidence: 91,
      grounding_sources: sources,
      activity: [],
      metadata: { changed: true, current_state: null },
      notification_failed: false,
      auto_complete_failed: false,
      topic: 'iPhone date',
    });
    expect(Date.parse(run.result.next_run)).toBeGreaterThan(Date.now());
    expect(run.result.sources).toBeUndefined();

    // Every REST view of an execution.
    const views = {
      notifications: (await rest(t.app, 'GET', `/api/v1/tasks/${id}/notifications`, {})).body[0],
      task: (await rest(t.app, 'GET', `/api/v1/tasks/${id}`, {})).body.last_execution,
      list: (await rest(t.app, 'GET', '/api/v1/tasks', {})).body.find((x: { id: string }) => x.id === id)
        .last_execution,
      feed: (await rest(t.app, 'GET', '/api/v1/tasks/feed', {})).body[0],
      publicFeed: (await rest(t.app, 'GET', '/api/v1/public/feed', {})).body[0],
      publicTasks: (await rest(t.app, 'GET', '/api/v1/public/tasks', {})).body.tasks[0].last_execution,
      publicTask: (await rest(t.app, 'GET', `/api/v1/public/tasks/id/${id}`, {})).body.last_execution,
    };
    for (const [where, e] of Object.entries(views)) {
      expect(e?.id, where).toBe(run.id);
      expect(e.grounding_sources, where).toEqual(sources);
      expect(e.result.grounding_sources, where).toEqual(sources);
      expect(e.result.metadata, where).toEqual({ changed: true, current_state: null });
    }
    // GraphQL carries the same stored objects.
    const g = await gql(t.app, ExecutionsDocument, { taskId: id, limit: 1 });
    expect(g.data?.executions[0]?.groundingSources).toEqual(sources);
    const feeds = [await gql(t.app, FeedDocument, {}), await gql(t.app, PublicFeedDocument, {})];
    expect(feeds.map((f) => JSON.stringify(f.data))).toEqual([
      expect.stringContaining('"url":"https://www.apple.com/newsroom/","title":"www.apple.com"'),
      expect.stringContaining('"url":"https://www.apple.com/newsroom/","title":"www.apple.com"'),
    ]);
  }, 60_000);
});

describe.skipIf(!tpl)('migration 2026_12_07_0100 converts rows written the old way', () => {
  let database: Database;
  let name: string;

  beforeAll(async () => {
    name = `torale_t_${tpl!.runId}_wire_mig_${randomBytes(3).toString('hex')}`;
    await adminQuery(tpl!.serverUrl, `create database ${name}`);
    database = await openDatabase({ url: withDatabase(tpl!.serverUrl, name), logger: createLogger('silent') });
  });
  afterAll(async () => {
    await database?.close();
    await adminQuery(tpl!.serverUrl, `drop database if exists ${name} with (force)`).catch(() => {});
  });

  it('strings become {url, title}; results gain Torale’s keys and lose `sources`; new rows stay as they are', async () => {
    const migrator = new Migrator({ db: database.db, provider: { getMigrations: async () => migrations } });
    const before = await migrator.migrateTo('2026_11_29_0030_standard_webhooks');
    expect(before.error).toBeUndefined();
    const db = database.db;
    const { rows: users } = await sql<{ id: string }>`insert into users (clerk_user_id, email)
      values ('user_mig', 'm@example.com') returning id`.execute(db);
    const { rows: tasks } = await sql<{
      id: string;
    }>`insert into tasks (user_id, name, search_query, condition_description)
      values (${users[0]!.id}, 'old', 'q', 'q') returning id`.execute(db);
    const taskId = tasks[0]!.id;
    const insert = async (result: unknown, sources: unknown, notification: string | null) => {
      const { rows } = await sql<{ id: string }>`insert into task_executions
        (task_id, status, result, grounding_sources, notification)
        values (${taskId}, 'success', ${result === null ? null : JSON.stringify(result)}::jsonb,
                ${JSON.stringify(sources)}::jsonb, ${notification}) returning id`.execute(db);
      return rows[0]!.id;
    };
    const oldStyle = await insert(
      {
        evidence: 'old evidence',
        sources: ['https://Example.COM/a', 'plain text'],
        confidence: 0.8,
        next_run: null,
        notification: 'met',
        topic: 't',
      },
      ['https://Example.COM/a', 'plain text', '', 7, { url: 'https://given.example/', title: 'Given' }],
      'met',
    );
    const quiet = await insert({ evidence: 'nothing', sources: [], confidence: 0.1 }, [], null);
    const pending = await insert(null, [], null);
    const modern = toExecutionResult({
      evidence: 'new',
      notification: null,
      confidence: 5,
      nextRun: null,
      sources: ['https://n.example/'],
      activity: [{ tool: 'search', detail: 'x' }],
      topic: null,
    });
    const fresh = await insert(modern, modern.grounding_sources, null);

    await migrateToLatest(db);
    const { rows } = await sql<{ id: string; result: Record<string, unknown> | null; grounding_sources: unknown }>`
      select id, result, grounding_sources from task_executions`.execute(db);
    const byId = new Map(rows.map((r) => [r.id, r]));

    const old = byId.get(oldStyle)!;
    const converted = [
      { url: 'https://Example.COM/a', title: 'example.com' },
      { url: 'plain text', title: 'plain text' },
      { url: 'https://given.example/', title: 'Given' },
    ];
    expect(old.grounding_sources).toEqual(converted);
    expect(old.result).toEqual({
      evidence: 'old evidence',
      notification: 'met',
      confidence: 0.8,
      next_run: null,
      grounding_sources: converted,
      activity: [],
      metadata: { changed: true, current_state: null },
      notification_failed: false,
      auto_complete_failed: false,
      topic: 't',
    });
    expect(byId.get(quiet)!.result).toEqual({
      evidence: 'nothing',
      notification: null,
      confidence: 0.1,
      next_run: null,
      grounding_sources: [],
      activity: [],
      metadata: { changed: false, current_state: null },
      notification_failed: false,
      auto_complete_failed: false,
      topic: null,
    });
    expect(byId.get(pending)!.result).toBeNull();
    expect(byId.get(fresh)!.result).toEqual(JSON.parse(JSON.stringify(modern)));
    expect(byId.get(fresh)!.grounding_sources).toEqual(modern.grounding_sources);
    const { rows: cols } = await sql<{ data_type: string }>`select data_type from information_schema.columns
      where table_name = 'tasks' and column_name = 'context'`.execute(db);
    expect(cols).toEqual([{ data_type: 'jsonb' }]);

    // Down and up again: the same rows (the old shape had no activity to keep).
    const down = await migrator.migrateTo('2026_11_29_0030_standard_webhooks');
    expect(down.error).toBeUndefined();
    const { rows: reverted } = await sql<{ grounding_sources: unknown }>`select grounding_sources from task_executions
      where id = ${oldStyle}`.execute(db);
    expect(reverted[0]!.grounding_sources).toEqual(['https://Example.COM/a', 'plain text', 'https://given.example/']);
    await migrateToLatest(db);
    const { rows: again } = await sql<{
      result: unknown;
    }>`select result from task_executions where id = ${fresh}`.execute(db);
    expect(again[0]!.result).toEqual({ ...JSON.parse(JSON.stringify(modern)), activity: [] });
  });
});

// Visibility, public reads (scrubbed, counted), the public list and forks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForkTaskDocument, PublicTasksDocument, SetTaskVisibilityDocument, TaskDocument } from '../gql/graphql.js';
import type { TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { codeOf, gql } from '../helpers/gql.js';
import { type SignedInUser, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
let owner: SignedInUser;
let other: SignedInUser;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway());
  owner = await signIn(t.app, clerk);
  other = await signIn(t.app, clerk);
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

const NOTIFS = [
  { type: 'email', address: 'owner@example.com' },
  { type: 'webhook', url: 'https://hooks.example.com/secret-path', headers: { Authorization: 'Bearer target-secret' } },
];

async function publicTask(name: string) {
  const created = await rest(t.app, 'POST', '/api/v1/tasks', owner.headers, {
    name,
    search_query: `${name} query`,
    notifications: NOTIFS,
  });
  const vis = await rest(t.app, 'PATCH', `/api/v1/tasks/${created.body.id}/visibility`, owner.headers, {
    is_public: true,
  });
  expect(vis.status).toBe(200);
  expect(vis.body).toEqual({ is_public: true });
  return created.body;
}

describe('visibility and public reads', () => {
  it('a public task is readable by anyone, scrubbed and counted; private again → 404', async () => {
    const task = await publicTask('shared');
    for (const [headers, url] of [
      [{}, `/api/v1/tasks/${task.id}`],
      [other.headers, `/api/v1/tasks/${task.id}`],
      [{}, `/api/v1/public/tasks/id/${task.id}`],
    ] as const) {
      const res = await rest(t.app, 'GET', url, headers);
      expect(res.status).toBe(200);
      expect(res.body.notifications).toEqual([]);
      expect(res.raw).not.toContain('secret-path');
      expect(res.raw).not.toContain('target-secret');
      expect(res.body.webhook_secret).toBeUndefined();
    }
    const mine = await rest(t.app, 'GET', `/api/v1/tasks/${task.id}`, owner.headers);
    expect(mine.body.notifications).toHaveLength(2);
    // One view per viewer a day: the anonymous address (twice) and the other user; the
    // owner's own reads are not views.
    expect(mine.body.view_count).toBe(2);

    const g = await gql(t.app, TaskDocument, { id: task.id }, other.headers);
    expect(g.data?.task?.notifications).toEqual([]);
    expect(g.data?.task?.viewCount).toBe(2);

    const hide = await gql(t.app, SetTaskVisibilityDocument, { id: task.id, isPublic: false }, owner.headers);
    expect(hide.data?.setTaskVisibility).toEqual({ id: task.id, isPublic: false });
    for (const url of [`/api/v1/tasks/${task.id}`, `/api/v1/public/tasks/id/${task.id}`]) {
      const res = await rest(t.app, 'GET', url, {});
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ detail: 'Task not found' });
    }
  });

  it('only the owner may change visibility', async () => {
    const task = await publicTask('mine only');
    const res = await rest(t.app, 'PATCH', `/api/v1/tasks/${task.id}/visibility`, other.headers, { is_public: false });
    expect(res.status).toBe(404);
    const bad = await rest(t.app, 'PATCH', `/api/v1/tasks/${task.id}/visibility`, owner.headers, { is_public: 'yes' });
    expect(bad.status).toBe(422);
    const g = await gql(t.app, SetTaskVisibilityDocument, { id: task.id, isPublic: false }, other.headers);
    expect(codeOf(g)).toBe('NOT_FOUND');
  });

  it('the public list pages and sorts, scrubbed, without credentials', async () => {
    const u = await signIn(t.app, clerk);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await rest(t.app, 'POST', '/api/v1/tasks', u.headers, {
        name: `pub ${i}`,
        search_query: 'q',
        notifications: NOTIFS,
      });
      await rest(t.app, 'PATCH', `/api/v1/tasks/${c.body.id}/visibility`, u.headers, { is_public: true });
      ids.push(c.body.id);
    }
    // Make "pub 1" the most popular.
    await rest(t.app, 'POST', `/api/v1/tasks/${ids[1]}/fork`, other.headers, {});
    const recent = await rest(t.app, 'GET', '/api/v1/public/tasks?limit=2', {});
    expect(recent.status).toBe(200);
    expect(Object.keys(recent.body).sort()).toEqual(['limit', 'offset', 'tasks', 'total']);
    expect(recent.body.limit).toBe(2);
    expect(recent.body.offset).toBe(0);
    expect(recent.body.tasks.map((x: { name: string }) => x.name)).toEqual(['pub 4', 'pub 3']);
    const all = recent.body.total as number;
    const page2 = await rest(t.app, 'GET', '/api/v1/public/tasks/?offset=2&limit=2', {});
    expect(page2.body.tasks.map((x: { name: string }) => x.name)).toEqual(['pub 2', 'pub 1']);
    expect(page2.body.total).toBe(all);
    const popular = await rest(t.app, 'GET', '/api/v1/public/tasks?sort_by=popular&limit=1', {});
    expect(popular.body.tasks[0].name).toBe('pub 1');
    expect(popular.body.tasks[0].subscriber_count).toBe(1);
    for (const task of [...recent.body.tasks, ...page2.body.tasks]) expect(task.notifications).toEqual([]);
    const g = await gql(t.app, PublicTasksDocument, { limit: 1, sortBy: 'POPULAR' });
    expect(g.data?.publicTasks.tasks[0]?.name).toBe('pub 1');
    for (const q of ['limit=0', 'limit=101', 'offset=-1', 'sort_by=random', 'limit=abc']) {
      expect((await rest(t.app, 'GET', `/api/v1/public/tasks?${q}`, {})).status).toBe(422);
    }
  });
});

describe('public views carry only what is meant to be public', () => {
  // A public task's findings are public (Torale's explore page, public feed and RSS show them);
  // where the owner is notified, secrets and the owner's error details are not.
  it("a public task's findings reach every public view; its targets, secrets and errors reach none", async () => {
    const task = await publicTask('leaky');
    const db = tdb.database.db;
    const sources = [{ url: 'https://www.apple.com/newsroom/', title: 'www.apple.com' }];
    const exec = await db
      .insertInto('task_executions')
      .values({
        task_id: task.id,
        status: 'success',
        notification: 'FINDING: the release date is 2027-09-09',
        error_message: 'OWNER-ONLY error detail',
        grounding_sources: JSON.stringify(sources),
        result: JSON.stringify({
          evidence: 'Apple announced the date',
          notification: 'FINDING: the release date is 2027-09-09',
          confidence: 90,
          next_run: null,
          grounding_sources: sources,
          activity: [],
          metadata: { changed: true, current_state: null },
          notification_failed: false,
          auto_complete_failed: false,
          topic: 'iPhone',
        }),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.updateTable('tasks').set({ last_execution_id: exec.id }).where('id', '=', task.id).execute();

    const views = [
      await rest(t.app, 'GET', '/api/v1/public/tasks?limit=100', {}),
      await rest(t.app, 'GET', `/api/v1/public/tasks/id/${task.id}`, {}),
      await rest(t.app, 'GET', `/api/v1/tasks/${task.id}`, other.headers),
      await rest(t.app, 'GET', `/api/v1/tasks/${task.id}`, {}),
      await rest(t.app, 'GET', `/api/v1/tasks/${task.id}/executions`, {}),
      await rest(t.app, 'GET', `/api/v1/tasks/${task.id}/notifications`, other.headers),
      await rest(t.app, 'GET', '/api/v1/public/feed', {}),
    ];
    for (const v of views) expect(v.status, v.raw).toBe(200);
    const publicList = await gql(t.app, PublicTasksDocument, { limit: 100 }, {});
    const byOther = await gql(t.app, TaskDocument, { id: task.id }, other.headers);
    for (const raw of [...views.map((v) => v.raw), JSON.stringify(publicList), JSON.stringify(byOther)]) {
      expect(raw).toContain('Apple announced the date');
      expect(raw).toContain('FINDING: the release date is 2027-09-09');
      expect(raw).toContain('https://www.apple.com/newsroom/');
      for (const hidden of ['OWNER-ONLY', 'owner@example.com', 'secret-path', 'target-secret', 'whsec_']) {
        expect(raw).not.toContain(hidden);
      }
    }
    const one = views[1]!.body;
    expect(one.last_execution).toMatchObject({
      notification: 'FINDING: the release date is 2027-09-09',
      grounding_sources: sources,
      error_message: null,
    });
    expect(one.last_execution.result).toMatchObject({
      evidence: 'Apple announced the date',
      grounding_sources: sources,
    });
    expect(one).toMatchObject({ notifications: [], notification_email: null, webhook_url: null });
    expect(views[4]!.body[0]).toMatchObject({ id: exec.id, error_message: null, grounding_sources: sources });
    // Torale's PublicFeedExecution: the notification at the top and in the result, and the owner's id.
    const item = views[6]!.body.find((e: { id: string }) => e.id === exec.id);
    expect(item).toMatchObject({
      notification: 'FINDING: the release date is 2027-09-09',
      result: { notification: 'FINDING: the release date is 2027-09-09' },
      task_user_id: owner.userId,
      task_is_public: true,
      error_message: null,
    });
    // The owner still sees everything; a private task's runs stay 404 to others.
    const mine = await rest(t.app, 'GET', `/api/v1/tasks/${task.id}`, owner.headers);
    expect(mine.body.last_execution.error_message).toBe('OWNER-ONLY error detail');
    await rest(t.app, 'PATCH', `/api/v1/tasks/${task.id}/visibility`, owner.headers, { is_public: false });
    const gone = await rest(t.app, 'GET', `/api/v1/tasks/${task.id}/executions`, other.headers);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ detail: 'Task not found' });
  });
});

describe('forks', () => {
  it('another user’s forks: paused, private, notifications dropped; the user counts once as a subscriber', async () => {
    const source = await publicTask('forkable');
    const fork = await rest(t.app, 'POST', `/api/v1/tasks/${source.id}/fork`, other.headers, {});
    expect(fork.status).toBe(200);
    expect(fork.body).toMatchObject({
      name: 'forkable (Copy)',
      user_id: other.userId,
      state: 'paused',
      is_public: false,
      forked_from_task_id: source.id,
      notifications: [],
      search_query: source.search_query,
    });
    expect(fork.body.webhook_secret).toBeUndefined();
    const second = await rest(t.app, 'POST', `/api/v1/tasks/${source.id}/fork`, other.headers);
    expect(second.body.name).toBe('forkable (Copy 2)');
    const named = await gql(t.app, ForkTaskDocument, { id: source.id, name: 'My copy' }, other.headers);
    expect(named.data?.forkTask.name).toBe('My copy');
    const s = await rest(t.app, 'GET', `/api/v1/tasks/${source.id}`, owner.headers);
    expect(s.body.subscriber_count).toBe(1); // three forks, one user
  });

  it('the owner’s own fork keeps notifications (with a new webhook secret) and counts no subscriber', async () => {
    const created = await rest(t.app, 'POST', '/api/v1/tasks', owner.headers, {
      name: 'private original',
      search_query: 'q',
      notifications: NOTIFS,
    });
    const fork = await rest(t.app, 'POST', `/api/v1/tasks/${created.body.id}/fork`, owner.headers, { name: 'my fork' });
    expect(fork.status).toBe(200);
    expect(fork.body.notifications).toEqual(created.body.notifications);
    expect(fork.body.webhook_secret).toMatch(/^whsec_/);
    expect(fork.body.webhook_secret).not.toBe(created.body.webhook_secret);
    const s = await rest(t.app, 'GET', `/api/v1/tasks/${created.body.id}`, owner.headers);
    expect(s.body.subscriber_count).toBe(0);
  });

  it('a private task of another user cannot be forked (404)', async () => {
    const created = await rest(t.app, 'POST', '/api/v1/tasks', owner.headers, { name: 'hidden', search_query: 'q' });
    const res = await rest(t.app, 'POST', `/api/v1/tasks/${created.body.id}/fork`, other.headers, {});
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ detail: 'Task not found' });
  });

  it('concurrent forks of one public task: subscriber_count equals the number of users who forked', async () => {
    const source = await publicTask('popular one');
    const forkers = await Promise.all(Array.from({ length: 8 }, () => signIn(t.app, clerk)));
    const results = await Promise.all(
      forkers.flatMap((f) => [
        rest(t.app, 'POST', `/api/v1/tasks/${source.id}/fork`, f.headers, {}),
        rest(t.app, 'POST', `/api/v1/tasks/${source.id}/fork`, f.headers, {}),
      ]),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const s = await rest(t.app, 'GET', `/api/v1/tasks/${source.id}`, owner.headers);
    expect(s.body.subscriber_count).toBe(8);
    for (const f of forkers) {
      const names = (await rest(t.app, 'GET', '/api/v1/tasks', f.headers)).body
        .map((x: { name: string }) => x.name)
        .sort();
      expect(names).toEqual(['popular one (Copy 2)', 'popular one (Copy)']);
    }
  });
});

// "Task missing or not yours → 404" is one rule (src/tasks/task-access.ts): every service
// that takes a task id answers another user's private task, a missing id and a string that
// is not an id alike, so nobody learns which ids exist; a public task is readable by others.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/auth/viewer.js';
import type { Container } from '../../src/container.js';
import type { AppError } from '../../src/errors.js';
import { testContainer, testUser } from '../helpers/container.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let tdb: TestDatabase;
let c: Container;

beforeAll(async () => {
  tdb = await createTestDatabase();
  c = testContainer(tdb);
});
afterAll(async () => {
  await c?.close();
  await tdb?.drop();
});

async function answer(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'allowed';
  } catch (e) {
    const err = e as AppError;
    return `${err.status} ${err.detail}`;
  }
}

describe('a task id that is not the caller’s', () => {
  let owner: Viewer;
  let other: Viewer;
  let privateId: string;
  let publicId: string;
  beforeAll(async () => {
    owner = (await testUser(tdb)).viewer;
    other = (await testUser(tdb)).viewer;
    privateId = (await c.services.tasks.create(owner, { search_query: 'private', state: 'paused' })).task.id;
    publicId = (await c.services.tasks.create(owner, { search_query: 'public', state: 'paused' })).task.id;
    await c.services.sharing.setVisibility(owner, publicId, true);
  });

  const calls: [string, (v: Viewer, id: string) => Promise<unknown>][] = [
    ['run now', (v, id) => c.services.executions.execute(v, id, true)],
    ['list runs', (v, id) => c.services.executions.list(v, id, 10)],
    ['update', (v, id) => c.services.tasks.update(v, id, { name: 'taken over' })],
    ['fork', (v, id) => c.services.sharing.fork(v, id)],
    ['subscribe to runs', (v, id) => c.services.live.executions(v, id)],
    ['subscribe to the task', (v, id) => c.services.live.tasks(v, id)],
  ];

  it.each(calls)('%s: another user’s private task, a missing id and a non-id are the same 404', async (_, call) => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const answers = [
      await answer(call(other, privateId)),
      await answer(call(other, missing)),
      await answer(call(other, 'x')),
    ];
    expect(answers).toEqual(['404 Task not found', '404 Task not found', '404 Task not found']);
    expect(await answer(call(owner, privateId))).toBe('allowed');
  });

  it('a public task is readable (runs, fork) by others but still not theirs to run, change or watch', async () => {
    const results = await Promise.all(calls.map(([, call]) => answer(call(other, publicId))));
    expect(results).toEqual([
      '404 Task not found',
      'allowed',
      '404 Task not found',
      'allowed',
      '404 Task not found',
      '404 Task not found',
    ]);
  });
});

// What keeping the public total and deep-page bookmarks fresh costs on one database: the
// incremental refresh statement (the changes since a snapshot) against the full read it
// replaced (a count and a scan of every public task per sort), each timed from this process
// as the median of repeated runs. The same 100 changes are made on every database measured,
// so the incremental read should cost the same on a large one as on a small one.
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/database.js';
import { createLogger } from '../../src/lib/logger.js';
import { publicChangesSince, readPublicIndex } from '../../src/tasks/public-tasks.repository.js';
import { BOOKMARK_STRIDE } from '../../src/tasks/public-tasks.service.js';
import { median } from './load.js';

export const REFRESH_CHANGES = 100;

export interface RefreshTimes {
  /** ms of the statement reading REFRESH_CHANGES changes since a snapshot. */
  incrementalMs: number;
  /** ms of the full read (count + bookmarks of both sorts), what every refresh used to cost. */
  fullMs: number;
  changesRead: number;
}

async function timed(n: number, run: () => Promise<unknown>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await run();
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

export async function publicRefreshTimes(url: string): Promise<RefreshTimes> {
  const database = await openDatabase({ url, logger: createLogger('silent') });
  const db = database.db;
  try {
    const { snapshot } = await readPublicIndex(db, BOOKMARK_STRIDE);
    // Changes of every kind, as visitors, owners and forks make them.
    await sql`update tasks set view_count = view_count + 1
      where id in (select id from tasks where is_public order by created_at desc limit 40)`.execute(db);
    await sql`update tasks set is_public = not is_public
      where id in (select id from tasks where name like 'Filler %' order by id limit 40)`.execute(db);
    await sql`update tasks set subscriber_count = subscriber_count + 1
      where id in (select id from tasks where is_public order by id desc limit 20)`.execute(db);
    const { changes } = await publicChangesSince(db, snapshot);
    const incrementalMs = await timed(15, () => publicChangesSince(db, snapshot));
    const fullMs = await timed(3, () => readPublicIndex(db, BOOKMARK_STRIDE));
    return { incrementalMs, fullMs, changesRead: changes.length };
  } finally {
    await database.close();
  }
}

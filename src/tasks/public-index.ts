// What deep public pages and the public total start from, kept up to date by the changes
// since the last look (public_task_changes) instead of a count and a scan of every public
// task: a refresh costs O(changes), not O(public tasks).
// A bookmark is a sort key and `upTo`, the number of public tasks at or before that key in
// sort order — a count that stays exact whatever happens to the task the key came from: a
// task entering at or before the key adds one, one leaving takes one away. The page at offset
// N starts after the last bookmark with upTo ≤ N and skips the rest; bookmarks are split and
// merged so that rest stays under two strides.
import type { Kysely } from 'kysely';
import type { DB } from '../db/types.js';
import {
  type PublicChange,
  type PublicKey,
  type PublicPlace,
  prunePublicChanges,
  publicChangesSince,
  publicKeyAt,
  readPublicIndex,
} from './public-tasks.repository.js';
import type { PublicSort } from './task-states.js';

export interface Bookmark {
  key: PublicKey;
  upTo: number;
}

export interface IndexState {
  snapshot: string;
  total: number;
  marks: Record<PublicSort, Bookmark[]>;
}

const SORTS: readonly PublicSort[] = ['recent', 'popular'];

/** Negative when `a` comes first in the (all-descending) sort order, 0 when equal. */
export function compareKeys(a: PublicKey, b: PublicKey): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return y - x;
    return x > y ? -1 : 1;
  }
  return 0;
}

const keyAt = (sort: PublicSort, [subscribers, views, created]: PublicPlace, id: string): PublicKey =>
  sort === 'recent' ? [created, id] : [subscribers, views, created, id];

/** The bookmarks after `changes`: each upTo moved by the tasks that entered or left at or before it. */
export function applyChanges(marks: readonly Bookmark[], sort: PublicSort, changes: readonly PublicChange[]) {
  const events: { key: PublicKey; d: number }[] = [];
  for (const c of changes) {
    if (c.was) events.push({ key: keyAt(sort, c.was, c.taskId), d: -1 });
    if (c.now) events.push({ key: keyAt(sort, c.now, c.taskId), d: 1 });
  }
  events.sort((a, b) => compareKeys(a.key, b.key));
  let acc = 0;
  let j = 0;
  return marks.map((m) => {
    while (j < events.length && compareKeys(events[j]!.key, m.key) <= 0) acc += events[j++]!.d;
    return { key: m.key, upTo: m.upTo + acc };
  });
}

/** Net public tasks added by `changes`. */
export const totalDelta = (changes: readonly PublicChange[]) =>
  changes.reduce((n, c) => n + (c.now ? 1 : 0) - (c.was ? 1 : 0), 0);

/**
 * Bookmarks about `stride` apart again: a gap over two strides gets a bookmark a stride into
 * it (one indexed read of `stride` rows), a bookmark under half a stride from the previous one
 * goes. Only gaps the changes made are touched, so this too is O(changes).
 */
export async function rebalance(
  marks: readonly Bookmark[],
  total: number,
  stride: number,
  keyAfter: (key: PublicKey | null, offset: number) => Promise<PublicKey | undefined>,
): Promise<Bookmark[]> {
  const out: Bookmark[] = [];
  let prev: Bookmark | null = null;
  const fill = async (until: number) => {
    while (until - (prev?.upTo ?? 0) > 2 * stride) {
      const key = await keyAfter(prev?.key ?? null, stride - 1);
      if (!key) return;
      prev = { key, upTo: (prev?.upTo ?? 0) + stride };
      out.push(prev);
    }
  };
  for (const m of marks) {
    await fill(m.upTo);
    if (m.upTo - (prev?.upTo ?? 0) < stride / 2 || m.upTo > total) continue;
    prev = m;
    out.push(m);
  }
  await fill(total);
  return out;
}

/** Where the page at `offset` starts: after this key (null: the top), skipping `skip` rows. */
export function startOf(marks: readonly Bookmark[], offset: number): { after: PublicKey | null; skip: number } {
  let lo = 0;
  let hi = marks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (marks[mid]!.upTo <= offset) lo = mid + 1;
    else hi = mid;
  }
  const m = marks[lo - 1];
  return m ? { after: m.key, skip: offset - m.upTo } : { after: null, skip: offset };
}

export interface PublicIndexOptions {
  stride: number;
  /** How old the index may be before a request starts a refresh (the answer does not wait). */
  refreshMs: number;
  /** How long changes are kept; an index older than half of it starts over with a full read. */
  retentionSeconds: number;
}

/** One instance's index: read in full once, then refreshed from the changes, one refresh at a time. */
export function createPublicIndex(db: Kysely<DB>, opts: PublicIndexOptions) {
  let state: IndexState | undefined;
  let readAt = 0;
  let prunedAt = 0;
  let running: Promise<IndexState> | undefined;
  const stats = { fullReads: 0, refreshes: 0, changes: 0 };

  async function full(): Promise<IndexState> {
    stats.fullReads++;
    const r = await readPublicIndex(db, opts.stride);
    const marks = (keys: PublicKey[]) => keys.map((key, i) => ({ key, upTo: (i + 1) * opts.stride }));
    return {
      snapshot: r.snapshot,
      total: r.total,
      marks: { recent: marks(r.bookmarks.recent), popular: marks(r.bookmarks.popular) },
    };
  }

  async function incremental(from: IndexState): Promise<IndexState> {
    stats.refreshes++;
    const { snapshot, changes } = await publicChangesSince(db, from.snapshot);
    stats.changes += changes.length;
    if (changes.length === 0) return { ...from, snapshot };
    const total = from.total + totalDelta(changes);
    const marks = {} as Record<PublicSort, Bookmark[]>;
    for (const sort of SORTS) {
      marks[sort] = await rebalance(applyChanges(from.marks[sort], sort, changes), total, opts.stride, (key, offset) =>
        publicKeyAt(db, sort, key, offset),
      );
    }
    return { snapshot, total, marks };
  }

  async function refresh(): Promise<IndexState> {
    const started = Date.now();
    const stale = !state || started - readAt > (opts.retentionSeconds * 1000) / 2;
    const next = stale ? await full() : await incremental(state!);
    state = next;
    readAt = started;
    if (started - prunedAt > 60_000) {
      prunedAt = started;
      await prunePublicChanges(db, opts.retentionSeconds);
    }
    return next;
  }

  function refreshOnce(): Promise<IndexState> {
    running ??= refresh().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    stats,
    /** The index, at most `refreshMs` old once it has been read: a stale one answers while it refreshes. */
    async current(): Promise<IndexState> {
      if (!state) return refreshOnce();
      if (Date.now() - readAt > opts.refreshMs) refreshOnce().catch(() => {});
      return state;
    },
    /** Brings the index up to date now (tests, benchmarks). */
    refresh: refreshOnce,
  };
}

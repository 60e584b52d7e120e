// The admin console's read-only views of the whole platform, in Torale's shapes: stats,
// every task, every execution, the failed ones, and what the dispatcher has scheduled.
// Admins only (the guard is given); lists are bounded pages.
import type { Kysely } from 'kysely';
import type { Viewer } from '../auth/viewer.js';
import type { DB } from '../db/types.js';
import type { ExecutionStatus } from '../tasks/task-states.js';
import type { AdminGate } from './admin-gate.js';
import {
  estimatedSizes,
  listAllExecutions,
  listAllTasks,
  runStatement,
  STATS_SAMPLE_ROWS,
  samplePercent,
  scheduledTasks,
  statsStatements,
} from './platform.repository.js';

export interface PlatformServiceDeps {
  db: Kysely<DB>;
  /** MAX_USERS: the capacity the overview shows. */
  maxUsers: number;
  admin: Pick<AdminGate, 'requireAdmin'>;
}

export type PlatformService = ReturnType<typeof createPlatformService>;

const rate = (part: number, whole: number, empty: number) =>
  `${(whole > 0 ? (part / whole) * 100 : empty).toFixed(1)}%`;

/** How much of each table the stats read (percent of blocks): all of a small one. */
export const samplePercents = (sizes: { tasks: number; executions: number }) => ({
  tasks: samplePercent(sizes.tasks, STATS_SAMPLE_ROWS),
  executions: samplePercent(sizes.executions, STATS_SAMPLE_ROWS * 10),
});

/**
 * Torale's /admin/stats from four aggregate statements run at once on their own connections.
 * Up to STATS_SAMPLE_ROWS tasks everything is counted; on a larger platform the task and run
 * figures are scaled up from samples (`estimated: true`) and only users are counted, so a call
 * costs the same at a million tasks as at five thousand.
 */
export async function platformStats(db: Kysely<DB>, maxUsers: number, now = new Date()) {
  const sizes = await estimatedSizes(db);
  const percent = samplePercents(sizes);
  const [users, tasks, runs, popular] = await Promise.all(
    statsStatements(now, percent).map(([, statement]) => runStatement<Record<string, number>>(db, statement)),
  );
  const t = tasks?.[0] ?? {};
  const r = runs?.[0] ?? {};
  // A sample of n rows out of about N stands for N / n rows each (1 when all were read).
  const scaler = (size: number, sampled: number | undefined) => (n: number | undefined) =>
    Math.round((n ?? 0) * (size > 0 && sampled ? size / sampled : 1));
  const task = percent.tasks < 100 ? scaler(sizes.tasks, t.sampled) : (n: number | undefined) => n ?? 0;
  const run = percent.executions < 100 ? scaler(sizes.executions, r.sampled) : (n: number | undefined) => n ?? 0;
  const totalUsers = Number(users?.[0]?.total ?? 0);
  const active = task(t.active);
  const triggered = Math.min(active, task(t.triggered));
  const runsTotal = run(r.total);
  const failed = Math.min(runsTotal, run(r.failed));
  return {
    users: { total: totalUsers, capacity: maxUsers, available: maxUsers - totalUsers },
    tasks: { total: active, triggered, trigger_rate: rate(triggered, active, 0) },
    executions_24h: { total: runsTotal, failed, success_rate: rate(runsTotal - failed, runsTotal, 100) },
    popular_queries: (popular ?? []).map((p) => ({
      search_query: String(p.search_query),
      count: task(p.count),
      triggered_count: task(p.triggered_count),
    })),
    estimated: percent.tasks < 100 || percent.executions < 100,
  };
}

export function createPlatformService({ db, maxUsers, admin }: PlatformServiceDeps) {
  return {
    async stats(viewer: Viewer) {
      await admin.requireAdmin(viewer);
      return platformStats(db, maxUsers);
    },

    async tasks(viewer: Viewer, q: { limit: number; offset: number; active_only: boolean }) {
      await admin.requireAdmin(viewer);
      return listAllTasks(db, { limit: q.limit, offset: q.offset, activeOnly: q.active_only });
    },

    async executions(viewer: Viewer, q: { limit: number; offset: number; status?: ExecutionStatus; task_id?: string }) {
      await admin.requireAdmin(viewer);
      return listAllExecutions(db, { limit: q.limit, offset: q.offset, status: q.status, taskId: q.task_id });
    },

    async errors(viewer: Viewer, q: { limit: number; offset: number }) {
      await admin.requireAdmin(viewer);
      return listAllExecutions(db, { ...q, status: 'failed' });
    },

    /** The dispatcher's schedule: tasks whose next run is set, soonest first; `due` have come. */
    async schedule(viewer: Viewer, q: { limit: number; offset: number }) {
      await admin.requireAdmin(viewer);
      const now = new Date();
      return { ...(await scheduledTasks(db, { ...q, now })), now };
    },
  };
}

// The one rule for what a non-owner may see of a public task: no notification targets, no
// secrets, and of its last run only the public outcome — never the owner's notification
// text or error details, wherever they are kept (the execution's own fields or its result).
import type { ExecutionRow } from '../db/types.js';
import type { TaskWithLast } from './tasks.repository.js';

/** The parts of a run's result that describe the world, not the owner's alerting. */
const PUBLIC_RESULT_FIELDS = ['evidence', 'sources', 'confidence', 'topic', 'next_run'] as const;

function publicResult(result: unknown): unknown {
  if (!result || typeof result !== 'object' || Array.isArray(result)) return null;
  const r = result as Record<string, unknown>;
  return Object.fromEntries(PUBLIC_RESULT_FIELDS.filter((k) => k in r).map((k) => [k, r[k]]));
}

export function publicExecution(e: ExecutionRow): ExecutionRow {
  return { ...e, notification: null, error_message: null, result: publicResult(e.result) };
}

export function publicView(task: TaskWithLast): TaskWithLast {
  return {
    ...task,
    notifications: [],
    webhook_secret: null,
    last_execution: task.last_execution ? publicExecution(task.last_execution) : null,
  };
}

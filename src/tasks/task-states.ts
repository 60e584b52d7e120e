// The task state machine and execution statuses, defined once: the database types, the
// REST and GraphQL schemas and the services all read them from here.

export const TASK_STATES = ['active', 'paused', 'completed'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** Allowed transitions: active↔paused, active→completed, completed→active. */
export const TRANSITIONS: Readonly<Record<TaskState, readonly TaskState[]>> = {
  active: ['paused', 'completed'],
  paused: ['active'],
  completed: ['active'],
};

export const EXECUTION_STATUSES = ['pending', 'running', 'success', 'retrying', 'failed', 'cancelled'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

/** An execution in one of these states is "live": at most one per task (a partial unique index). */
export const LIVE_STATUSES = ['pending', 'running', 'retrying'] as const satisfies readonly ExecutionStatus[];

/** The others are final: an execution in one of them does not change again. */
export const FINAL_STATUSES = EXECUTION_STATUSES.filter(
  (s): s is Exclude<ExecutionStatus, (typeof LIVE_STATUSES)[number]> =>
    !(LIVE_STATUSES as readonly string[]).includes(s),
);

export const isLive = (status: string): boolean => (LIVE_STATUSES as readonly string[]).includes(status);

export const PUBLIC_SORTS = ['recent', 'popular'] as const;
export type PublicSort = (typeof PUBLIC_SORTS)[number];

// The one envelope every webhook body has, as Torale sends it (its `build_webhook_payload`
// and `WebhookPayload`), so receivers written for Torale read ours unchanged: a run that met
// its condition, the default webhook's test and a task's test ping all go out in it.
import { randomBytes } from 'node:crypto';
import type { ExecutionRow, TaskRow } from '../db/types.js';
import type { GroundingSource } from '../tasks/execution-result.js';

/** The only event Torale's receivers know (its `WebhookPayload.event_type` is this literal). */
export const CONDITION_MET = 'task.condition_met';

export interface WebhookEvent {
  /** The execution's id for a real run (Torale's "task_execution.id"); `test_<hex>` for a test. */
  id: string;
  event_type: typeof CONDITION_MET;
  /** Unix seconds when the event was built. */
  created_at: number;
  object: 'event';
  api_version: 'v1';
  data: {
    task: { id: string; name: string; search_query: string; condition_description: string };
    execution: { id: string; notification: string; completed_at: string };
    result: { answer: string; grounding_sources: GroundingSource[] };
    /** The task's context, only when it has one with keys (Torale leaves out `{}` too). */
    context?: Record<string, unknown>;
  };
}

type EventTask = Pick<TaskRow, 'id' | 'name' | 'search_query' | 'condition_description' | 'context'>;

function envelope(id: string, task: EventTask | null, data: Omit<WebhookEvent['data'], 'task' | 'context'>) {
  const event: WebhookEvent = {
    id,
    event_type: CONDITION_MET,
    created_at: Math.floor(Date.now() / 1000),
    object: 'event',
    api_version: 'v1',
    data: {
      task: task
        ? {
            id: task.id,
            name: task.name,
            search_query: task.search_query ?? '',
            condition_description: task.condition_description ?? '',
          }
        : TEST_TASK,
      ...data,
    },
  };
  const context = task?.context;
  if (context && typeof context === 'object' && Object.keys(context).length > 0) event.data.context = context;
  return event;
}

const TEST_TASK = {
  id: 'test_task_id',
  name: 'Test Task',
  search_query: 'Test query',
  condition_description: 'Test condition',
};

/** The made-up run a test sends (Torale's dashboard test), marked by its `test_` id. */
const testRun = () => ({
  execution: {
    id: 'test_execution_id',
    notification: 'Test notification text',
    completed_at: new Date().toISOString(),
  },
  result: { answer: 'Test answer', grounding_sources: [] },
});

const evidenceOf = (result: unknown): string => {
  const evidence = (result as { evidence?: unknown } | null)?.evidence;
  return typeof evidence === 'string' ? evidence : '';
};

/** A run met its condition: `answer` is the notification, else the evidence. */
export function conditionMetEvent(task: EventTask, execution: ExecutionRow): WebhookEvent {
  return envelope(execution.id, task, {
    execution: {
      id: execution.id,
      notification: execution.notification ?? '',
      completed_at: execution.completed_at ? execution.completed_at.toISOString() : '',
    },
    result: {
      answer: execution.notification || evidenceOf(execution.result),
      grounding_sources: execution.grounding_sources.map(({ url, title }) => ({ url, title })),
    },
  });
}

const testId = () => `test_${randomBytes(8).toString('hex')}`;

/** A task's test ping: the task as it is (with its context), a made-up run. */
export const pingEvent = (task: EventTask): WebhookEvent => envelope(testId(), task, testRun());

/** The default webhook's test: a made-up task and run, as Torale's dashboard test sends it. */
export const defaultWebhookTestEvent = (): WebhookEvent => envelope(testId(), null, testRun());

import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import type { DB } from '../../src/db/types.js';
import type { FakeAgent } from '../helpers/fake-agent.js';
import { rest } from '../helpers/rest.js';

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T | undefined | false;
  while (Date.now() < until) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** Checks X-Torale-Signature the way a receiver would. */
export function expectValidSignature(header: string | string[] | undefined, body: string, secret: string) {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(header));
  expect(m, `signature header ${header}`).not.toBeNull();
  const expected = createHmac('sha256', secret).update(`${m![1]}.${body}`).digest('hex');
  expect(m![2]).toBe(expected);
  expect(Math.abs(Date.now() / 1000 - Number(m![1]))).toBeLessThan(300);
}

export function runEnv(agentUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TORALE_NOAUTH: '1',
    TORALE_AGENT_URL: agentUrl,
    TORALE_AGENT_TIMEOUT_MS: '3000',
    TORALE_RUN_RETRY_DELAY_SECONDS: '1',
    TORALE_JOBS_POLL_SECONDS: '1',
    TORALE_JOBS_MAINTENANCE_SECONDS: '1',
    TORALE_RUN_EXPIRE_SLACK_SECONDS: '1',
    WEBHOOK_ALLOW_INSECURE_TARGETS: '1',
    // Retries within seconds (the default schedule waits 5 s, then 5 min).
    WEBHOOK_RETRY_SCHEDULE_SECONDS: '0,1,1,2,2,4',
    ...extra,
  };
}

/** The agent finds the condition met on every run, so every run notifies. */
export function notifyOnEveryRun(agent: FakeAgent): void {
  agent.fallback = {
    kind: 'answer',
    result: {
      evidence: 'met',
      notification: 'Condition met',
      next_run: new Date(Date.now() + 3600_000).toISOString(),
    },
  };
}

let seq = 0;

/** A task of the caller with this webhook (and a unique name), through the API. */
export async function webhookTask(app: FastifyInstance, headers: Record<string, string>, url: string): Promise<string> {
  const res = await rest(app, 'POST', '/api/v1/tasks', headers, {
    name: `hook ${++seq}`,
    search_query: 'q',
    notifications: [{ type: 'webhook', url }],
  });
  expect(res.status, res.raw).toBe(200);
  return res.body.id;
}

/** Runs the task now; the execution id. */
export async function executeNow(app: FastifyInstance, headers: Record<string, string>, taskId: string) {
  const res = await rest(app, 'POST', `/api/v1/tasks/${taskId}/execute`, headers);
  expect(res.status, res.raw).toBe(200);
  return res.body.id as string;
}

export const deliveryOf = (db: Kysely<DB>, taskId: string) =>
  db.selectFrom('notification_deliveries').selectAll().where('task_id', '=', taskId).executeTakeFirst();

export const attemptsOf = (db: Kysely<DB>, deliveryId: string) =>
  db.selectFrom('notification_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('attempt').execute();

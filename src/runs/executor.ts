// Runs one execution against the agent. The run is claimed with a fresh token and its
// outcome commits only while that token holds, so a cancelled or superseded run cannot
// overwrite anything. Retryable failures go back to the engine; a final failure leaves
// the task scheduled at the usual interval.
import type { TaskRow } from '../db/types.js';
import { recentResults } from '../tasks/executions.repository.js';
import { findTaskWithOwner, lockTask } from '../tasks/tasks.repository.js';
import { type AgentAnswer, type AgentClient, AgentError } from './agent.js';
import { recordNotifications } from './notify.js';
import { RetryLater, type RunContext } from './run-context.js';
import { claimExecution, finishRun, recordRunOnTask, setNextRunIfActive, succeedRun } from './runs.repository.js';

export const OWNER_DISABLED = "Cancelled: the task owner's account is disabled";

export function createExecutor(ctx: RunContext, agent: AgentClient) {
  const { db, engine, logger, opts, stats, observers } = ctx;
  const count = (outcome: string) => {
    stats.outcomes[outcome] = (stats.outcomes[outcome] ?? 0) + 1;
  };

  async function prompt(task: TaskRow): Promise<string> {
    const recent = await recentResults(db, task.id, 3);
    return [
      'You are monitoring the web for a condition on behalf of a user.',
      `Search query: ${task.search_query}`,
      `Condition to detect: ${task.condition_description}`,
      `What was known after the last check: ${task.last_known_state ? JSON.stringify(task.last_known_state) : 'nothing yet'}`,
      `Recent results (newest first): ${recent.length ? JSON.stringify(recent.map((r) => ({ at: r.started_at, result: r.result }))) : 'none'}`,
      'Answer with JSON: {"evidence", "sources", "confidence", "next_run" (ISO time of the next check, or null to stop), "notification" (a message for the user only when the condition is met, else null), "topic"}.',
    ].join('\n');
  }

  async function succeed(task: TaskRow, executionId: string, token: string, answer: AgentAnswer): Promise<boolean> {
    return db.transaction().execute(async (trx) => {
      const result = {
        evidence: answer.evidence,
        sources: answer.sources,
        confidence: answer.confidence,
        next_run: answer.nextRun === undefined ? undefined : (answer.nextRun?.toISOString() ?? null),
        notification: answer.notification,
        topic: answer.topic,
      };
      const exec = await succeedRun(trx, executionId, token, {
        result,
        notification: answer.notification,
        sources: answer.sources,
      });
      if (!exec) return false; // cancelled or superseded while we waited for the agent
      const current = await lockTask(trx, task.id);
      if (!current) return true;
      const nextRun = answer.nextRun === undefined ? ctx.defaultNextRun() : answer.nextRun;
      const knownState = {
        evidence: answer.evidence,
        topic: answer.topic,
        confidence: answer.confidence,
        checked_at: new Date().toISOString(),
      };
      await recordRunOnTask(trx, current, exec.id, knownState, nextRun);
      // A disabled owner's task is scheduled again by reconcile once the owner is enabled.
      if (current.state === 'active' && nextRun && current.owner_active)
        await engine.scheduleTask(trx, task.id, nextRun);
      if (answer.notification) await recordNotifications(trx, engine, current, exec, result);
      return true;
    });
  }

  async function fail(executionId: string, token: string, taskId: string, e: AgentError): Promise<boolean> {
    return db.transaction().execute(async (trx) => {
      const ok = await finishRun(trx, executionId, token, { status: 'failed', error_message: e.message });
      // A failed run leaves the task scheduled: try again at the usual interval.
      if (ok) {
        const at = ctx.defaultNextRun();
        if (await setNextRunIfActive(trx, taskId, at)) await engine.scheduleTask(trx, taskId, at);
      }
      return ok;
    });
  }

  return async function execute(executionId: string): Promise<void> {
    const claim = await claimExecution(db, executionId);
    if (!claim) return; // cancelled or already finished
    const task = await findTaskWithOwner(db, claim.task_id);
    if (!task) return;
    if (!task.owner_active) {
      // The owner was disabled after this run was queued: it never reaches the agent.
      await finishRun(db, executionId, claim.run_token, { status: 'cancelled', error_message: OWNER_DISABLED });
      count('cancelled');
      return;
    }

    const started = performance.now();
    try {
      stats.agentCalls++;
      const answer = await agent.run({
        prompt: await prompt(task),
        metadata: { user_id: task.user_id, task_id: task.id },
      });
      observers.agentLatency?.((performance.now() - started) / 1000);
      count((await succeed(task, executionId, claim.run_token, answer)) ? 'success' : 'superseded');
    } catch (err) {
      if (err instanceof RetryLater) throw err;
      const e =
        err instanceof AgentError
          ? err
          : new AgentError(`Run failed: ${(err as Error)?.message ?? String(err)}`, 'agent');
      if (e.retryable && claim.attempts < opts.maxAttempts) {
        const marked = await finishRun(db, executionId, claim.run_token, {
          status: 'retrying',
          error_message: e.message,
        });
        count(marked ? 'retrying' : 'superseded');
        if (marked) throw new RetryLater(e.message);
        return;
      }
      const failed = await fail(executionId, claim.run_token, task.id, e);
      count(failed ? 'failed' : 'superseded');
      logger.warn({ executionId, taskId: task.id, category: e.category, error: e.message }, 'execution failed');
    }
  };
}

// Runs one execution against the agent. The run is claimed with a fresh token (one
// statement that also loads its task, owner and recent results) and its outcome commits
// only while that token holds (one statement for the execution and its task, plus the
// notifications when the condition was met), so a cancelled or superseded run cannot
// overwrite anything. Retryable failures go back to the engine; a final failure leaves the
// task scheduled at the usual interval.
import { RetryLater } from '../engine/retry-later.js';
import { toExecutionResult } from '../tasks/execution-result.js';
import { type AgentAnswer, type AgentClient, AgentError } from './agent.js';
import type { RunContext } from './run-context.js';
import { type Claim, claimExecution, finishRun, rescheduleIfActive, succeedRun } from './runs.repository.js';

export const OWNER_DISABLED = "Cancelled: the task owner's account is disabled";

function prompt(task: Claim): string {
  return [
    'You are monitoring the web for a condition on behalf of a user.',
    `Search query: ${task.search_query}`,
    `Condition to detect: ${task.condition_description}`,
    `What was known after the last check: ${task.last_known_state ? JSON.stringify(task.last_known_state) : 'nothing yet'}`,
    `Recent results (newest first): ${task.recent.length ? JSON.stringify(task.recent) : 'none'}`,
    'Answer with JSON: {"evidence", "sources", "confidence", "next_run" (ISO time of the next check, or null to stop), "notification" (a message for the user only when the condition is met, else null), "topic"}.',
  ].join('\n');
}

export function createExecutor(ctx: RunContext, agent: AgentClient) {
  const { db, logger, opts, stats, observers, listeners } = ctx;
  const count = (outcome: string) => {
    stats.outcomes[outcome] = (stats.outcomes[outcome] ?? 0) + 1;
  };

  async function succeed(claim: Claim, answer: AgentAnswer): Promise<boolean> {
    const nextRun = answer.nextRun === undefined ? ctx.defaultNextRun() : answer.nextRun;
    const result = toExecutionResult({ ...answer, nextRun });
    const outcome = {
      result,
      notification: result.notification,
      sources: result.grounding_sources,
      knownState: {
        evidence: result.evidence,
        topic: result.topic,
        confidence: result.confidence,
        checked_at: new Date().toISOString(),
      },
      nextRun,
    };
    const facts = {
      notifications: claim.notifications,
      conditionMet: !!answer.notification,
      // No earlier successful run (the claim loads the last few): this one is the task's first.
      firstRun: claim.recent.length === 0,
    };
    const wanted = listeners.filter((l) => l.wants(facts));
    if (wanted.length === 0) return (await succeedRun(db, claim.execution_id, claim.run_token, outcome)) !== undefined;
    // What the run sends (a met condition's webhook, a first run's welcome email…) commits
    // with its outcome.
    return db.transaction().execute(async (trx) => {
      const done = await succeedRun(trx, claim.execution_id, claim.run_token, outcome);
      if (!done) return false; // cancelled or superseded while we waited for the agent
      const run = {
        task: done.task,
        execution: done.execution,
        conditionMet: facts.conditionMet,
        firstRun: facts.firstRun,
      };
      for (const listener of wanted) await listener.record(trx, run);
      return true;
    });
  }

  async function fail(claim: Claim, e: AgentError): Promise<boolean> {
    return db.transaction().execute(async (trx) => {
      const ok = await finishRun(trx, claim.execution_id, claim.run_token, {
        status: 'failed',
        error_message: e.message,
      });
      // A failed run leaves the task scheduled: try again at the usual interval.
      if (ok) await rescheduleIfActive(trx, claim.id, ctx.defaultNextRun(), true);
      return ok;
    });
  }

  return async function execute(executionId: string): Promise<void> {
    const claim = await claimExecution(db, executionId);
    if (!claim) return; // cancelled or already finished
    if (!claim.owner_active) {
      // The owner was disabled after this run was queued: it never reaches the agent, and
      // the task waits (the dispatcher holds it until the owner is enabled again).
      await db.transaction().execute(async (trx) => {
        if (
          await finishRun(trx, executionId, claim.run_token, { status: 'cancelled', error_message: OWNER_DISABLED })
        ) {
          await rescheduleIfActive(trx, claim.id, new Date(), false);
        }
      });
      count('cancelled');
      return;
    }

    const started = performance.now();
    try {
      stats.agentCalls++;
      const answer = await agent.run({
        prompt: prompt(claim),
        metadata: { user_id: claim.user_id, task_id: claim.id },
      });
      observers.agentLatency?.((performance.now() - started) / 1000);
      count((await succeed(claim, answer)) ? 'success' : 'superseded');
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
      const failed = await fail(claim, e);
      count(failed ? 'failed' : 'superseded');
      logger.warn({ executionId, taskId: claim.id, category: e.category, error: e.message }, 'execution failed');
    }
  };
}

// One webhook attempt per job; the engine retries (same delivery id) until the target
// answers 2xx, the failure is permanent, or the attempts run out. Every attempt is recorded.
import type { Notification, WebhookNotification } from '../db/types.js';
import { findTaskWithOwner } from '../tasks/tasks.repository.js';
import {
  endDelivery,
  findPendingDelivery,
  insertDeliveryAttempt,
  startDeliveryAttempt,
} from './deliveries.repository.js';
import { RetryLater } from './retry-later.js';
import type { RunContext } from './run-context.js';
import { sendWebhook } from './webhook-sender.js';

export function createDeliverer({ db, engine, opts, stats }: RunContext) {
  return async function deliver(deliveryId: string): Promise<void> {
    const pending = await findPendingDelivery(db, deliveryId);
    if (!pending) return;
    const task = await findTaskWithOwner(db, pending.task_id);
    if (task && !task.owner_active) {
      // Held, not attempted: it goes out once the owner is enabled again.
      await engine.deferDelivery(db, deliveryId, new Date(Date.now() + opts.heldRecheckSeconds * 1000));
      return;
    }
    const d = await startDeliveryAttempt(db, deliveryId);
    if (!d) return;
    const hook = (task?.notifications as Notification[] | undefined)?.find(
      (n): n is WebhookNotification => n.type === 'webhook',
    );
    stats.webhookAttempts++;
    const attempt = await sendWebhook({
      url: d.target,
      method: hook?.method ?? 'POST',
      headers: hook?.url === d.target ? hook.headers : {},
      body: JSON.stringify(d.payload),
      secret: task?.webhook_secret ?? null,
      deliveryId: d.id,
      event: 'task.condition_met',
      allowInsecureTargets: opts.allowInsecureTargets,
      timeoutMs: opts.webhookTimeoutMs,
    });
    await insertDeliveryAttempt(db, { deliveryId: d.id, attempt: d.attempts, ...attempt });
    // A 2xx whose body never finished (cut off at the deadline) is not a delivery.
    const ok =
      attempt.error === null && attempt.statusCode !== null && attempt.statusCode >= 200 && attempt.statusCode < 300;
    if (ok || attempt.permanent || d.attempts >= opts.webhookMaxAttempts) {
      await endDelivery(db, d.id, ok, ok ? null : (attempt.error ?? `HTTP ${attempt.statusCode}`));
      return;
    }
    throw new RetryLater(`webhook attempt ${d.attempts} failed: ${attempt.error ?? `HTTP ${attempt.statusCode}`}`);
  };
}

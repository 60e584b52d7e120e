// SQL of the email records, nothing else: the only code that writes an email's row in
// notification_deliveries.
import type { Db } from '../db/types.js';

/** An email recorded as not sent (`skipped`, with the reason). */
export async function insertSkippedEmail(
  db: Db,
  e: {
    taskId: string;
    /** null for a notice about the task itself, not about one of its runs. */
    executionId: string | null;
    event?: string;
    address: string;
    payload: unknown;
    reason: string;
  },
): Promise<void> {
  await db
    .insertInto('notification_deliveries')
    .values({
      task_id: e.taskId,
      execution_id: e.executionId,
      channel: 'email',
      ...(e.event && { event: e.event }),
      target: e.address,
      payload: JSON.stringify(e.payload),
      status: 'skipped',
      reason: e.reason,
    })
    .execute();
}

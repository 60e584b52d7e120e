// The email channel: what the gateway would email, and to whom. No email provider is
// configured yet, so every email is recorded as `skipped` with the reason (the history
// shows it). The seam for a sender is here: `conditionMet` (a run's notification, in the
// run's transaction) and `taskNotice` (a notice about a task, e.g. its webhook disabled).
import type { Kysely } from 'kysely';
import type { DB, Db, Notification } from '../db/types.js';
import type { ConditionMet } from '../runs/condition-met.js';
import { insertSkippedEmail } from './emails.repository.js';

export const EMAIL_SKIPPED = 'No email provider is configured; email notifications are recorded but not sent';

const emailOf = (ns: readonly Notification[]) => ns.find((n) => n.type === 'email')?.address;

export interface TaskNotice {
  task: { id: string; notifications: readonly Notification[] };
  /** The owner's account address: where a notice goes when the task has no email target. */
  ownerEmail: string | null;
  event: string;
  payload: Record<string, unknown>;
}

export type Emails = ReturnType<typeof createEmails>;

export function createEmails({ db }: { db: Kysely<DB> }) {
  return {
    /** The email of a run that met its condition, to the task's email target (if any). */
    async conditionMet(trx: Db, { task, execution }: ConditionMet): Promise<void> {
      const address = emailOf(task.notifications);
      if (!address) return;
      await insertSkippedEmail(trx, {
        taskId: task.id,
        executionId: execution.id,
        address,
        payload: {
          event_type: 'task.condition_met',
          task: { id: task.id, name: task.name },
          execution: { id: execution.id, notification: execution.notification },
        },
        reason: EMAIL_SKIPPED,
      });
    },

    /** A notice about the task itself, to its email target, else to the owner's address. */
    async taskNotice(notice: TaskNotice): Promise<void> {
      const address = emailOf(notice.task.notifications) ?? notice.ownerEmail;
      if (!address) return;
      await insertSkippedEmail(db, {
        taskId: notice.task.id,
        executionId: null,
        event: notice.event,
        address,
        payload: notice.payload,
        reason: EMAIL_SKIPPED,
      });
    },
  };
}

// SQL of a task's webhook state, nothing else: its secrets (rotation) and its health (failing, disabled).
import { sql } from 'kysely';
import type { Db } from '../db/types.js';

/** The new secret signs from now on; the old one beside it for `overlapSeconds`. */
export async function rotateWebhookSecret(db: Db, taskId: string, secret: string, overlapSeconds: number) {
  await db
    .updateTable('tasks')
    .set({
      webhook_secret_previous: sql<string | null>`webhook_secret`,
      webhook_secret_previous_until: sql<Date>`now() + make_interval(secs => ${overlapSeconds})`,
      webhook_secret: secret,
    })
    .where('id', '=', taskId)
    .execute();
}

/** Every attempt of this webhook failed since when? A success (or a save) clears it. */
export async function clearWebhookFailing(db: Db, taskId: string): Promise<void> {
  await db
    .updateTable('tasks')
    .set({ webhook_failing_since: null })
    .where('id', '=', taskId)
    .where('webhook_failing_since', 'is not', null)
    .execute();
}

/**
 * Notes a failed attempt of the task's webhook, and disables it when the target said 410 Gone
 * or has failed for `disableAfterHours`. Returns the reason when this call disabled it.
 */
export async function noteWebhookFailure(db: Db, taskId: string, gone: boolean, disableAfterHours: number) {
  const expired = sql<boolean>`coalesce(webhook_failing_since, now()) <= now() - make_interval(secs => ${disableAfterHours * 3600})`;
  const row = await db
    .updateTable('tasks')
    .set({
      webhook_failing_since: sql<Date>`coalesce(webhook_failing_since, now())`,
      webhook_disabled_at: sql<Date | null>`case when ${gone} or ${expired} then now() end`,
      webhook_disabled_reason: sql<
        'gone' | 'failing' | null
      >`case when ${gone} then 'gone' when ${expired} then 'failing' end`,
    })
    .where('id', '=', taskId)
    .where('webhook_disabled_at', 'is', null)
    .returning(['webhook_disabled_at', 'webhook_disabled_reason'])
    .executeTakeFirst();
  return row?.webhook_disabled_at ? { at: row.webhook_disabled_at, reason: row.webhook_disabled_reason! } : undefined;
}

// SQL for users' default webhooks, nothing else.
import { sql } from 'kysely';
import type { Db, DefaultWebhookRow } from '../db/types.js';

export async function findDefaultWebhook(db: Db, userId: string): Promise<DefaultWebhookRow | undefined> {
  return db.selectFrom('default_webhooks').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

/**
 * Sets the user's default webhook in one statement: the stored secret is kept while the URL
 * stays the same, else `newSecret` replaces it. `secretIsNew` says which happened.
 */
export async function upsertDefaultWebhook(
  db: Db,
  w: { userId: string; url: string; enabled: boolean; newSecret: string },
): Promise<DefaultWebhookRow & { secretIsNew: boolean }> {
  const row = await db
    .insertInto('default_webhooks')
    .values({ user_id: w.userId, url: w.url, enabled: w.enabled, secret: w.newSecret })
    .onConflict((oc) =>
      oc.column('user_id').doUpdateSet({
        url: (eb) => eb.ref('excluded.url'),
        enabled: (eb) => eb.ref('excluded.enabled'),
        secret: sql<string>`case when default_webhooks.url = excluded.url then default_webhooks.secret else excluded.secret end`,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ...row, secretIsNew: row.secret === w.newSecret };
}

export async function deleteDefaultWebhook(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('default_webhooks').where('user_id', '=', userId).execute();
}

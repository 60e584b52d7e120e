// Clerk's user webhooks (Svix-signed): user.created syncs the user, user.updated refreshes
// the profile and the cached role and disables a banned or locked user (enables them again
// once neither), user.deleted disables the user and revokes every key. Each Svix message
// applies once: a replay finds its receipt and changes nothing. Verified with
// @clerk/backend's verifyWebhook.
import { verifyWebhook } from '@clerk/backend/webhooks';
import type { Kysely } from 'kysely';
import { revokeAllKeys } from '../api-keys/api-keys.repository.js';
import type { ClerkAuth } from '../auth/clerk.js';
import type { DB, UserRow } from '../db/types.js';
import { AppError } from '../errors.js';
import { findUserByClerkId, setUserActive, upsertProfile } from '../users/users.repository.js';
import { claimWebhookReceipt, type NewSecurityEvent } from './security-events.repository.js';
import type { SecurityLog } from './security-log.js';

export const WEBHOOKS_NOT_CONFIGURED = 'Clerk webhooks not configured';
export const INVALID_WEBHOOK = 'Invalid webhook signature';

interface ClerkUserData {
  id?: string;
  first_name?: string | null;
  username?: string | null;
  banned?: boolean;
  locked?: boolean;
  primary_email_address_id?: string | null;
  email_addresses?: { id?: string; email_address?: string }[];
}

export type ClerkWebhooksService = ReturnType<typeof createClerkWebhooksService>;

export function createClerkWebhooksService(deps: {
  db: Kysely<DB>;
  clerk: ClerkAuth;
  signingSecret: string | undefined;
  events: SecurityLog;
}) {
  const { db, events } = deps;

  const emailOf = (u: ClerkUserData) =>
    (u.email_addresses ?? []).find((e) => e.id === u.primary_email_address_id)?.email_address ??
    u.email_addresses?.[0]?.email_address ??
    null;

  return {
    /** Verifies and applies one delivery; `url` and `headers` as received, `raw` the exact body. */
    async receive(url: string, headers: Record<string, string | string[] | undefined>, raw: Buffer) {
      if (!deps.signingSecret) throw new AppError(503, 'SERVICE_UNAVAILABLE', WEBHOOKS_NOT_CONFIGURED);
      const h = new Headers();
      for (const [k, v] of Object.entries(headers)) if (typeof v === 'string') h.set(k, v);
      let evt: { type: string; data: unknown };
      try {
        evt = (await verifyWebhook(new Request(url, { method: 'POST', headers: h, body: new Uint8Array(raw) }), {
          signingSecret: deps.signingSecret,
        })) as { type: string; data: unknown };
      } catch {
        throw new AppError(400, 'BAD_USER_INPUT', INVALID_WEBHOOK);
      }
      const svixId = h.get('svix-id') ?? '';
      const data = (evt.data ?? {}) as ClerkUserData;
      const clerkUserId = typeof data.id === 'string' ? data.id : undefined;
      const logged: NewSecurityEvent[] = [];
      await db.transaction().execute(async (trx) => {
        if (!(await claimWebhookReceipt(trx, svixId, evt.type))) return; // a replay
        if (!clerkUserId) return;
        const changed = async (active: boolean, why: string) => {
          const row: UserRow | undefined = await setUserActive(trx, clerkUserId, active);
          if (row) logged.push({ userId: row.id, type: active ? 'user.enabled' : 'user.disabled', detail: why });
          return row;
        };
        if (evt.type === 'user.created' || evt.type === 'user.updated') {
          await upsertProfile(trx, {
            clerkUserId,
            email: emailOf(data),
            firstName: data.first_name ?? null,
            username: data.username ?? null,
          });
          const blocked = data.banned === true || data.locked === true;
          await changed(
            !blocked,
            blocked ? (data.banned ? 'banned in Clerk' : 'locked in Clerk') : 'unbanned in Clerk',
          );
        } else if (evt.type === 'user.deleted') {
          // Keys go even when the user was already disabled (banned first, then deleted).
          const user = (await changed(false, 'deleted in Clerk')) ?? (await findUserByClerkId(db, clerkUserId));
          if (user) {
            for (const k of await revokeAllKeys(trx, user.id)) {
              logged.push({
                userId: user.id,
                type: 'api_key.revoked',
                apiKeyId: k.id,
                keyPrefix: k.key_prefix,
                detail: 'user deleted in Clerk',
              });
            }
          }
        }
      });
      if (clerkUserId) deps.clerk.forgetProfile(clerkUserId);
      for (const e of logged) await events.record(e);
      return { status: 'ok' as const };
    },
  };
}

// Clerk's user webhooks (Svix-signed): user.created syncs the user, user.updated refreshes
// the profile and the cached role and disables a banned or locked user, user.deleted
// disables the user for good and revokes every key. Clerk only undoes what Clerk did: an
// unban enables a user that Clerk's ban or lock disabled, never one an operator or an admin
// (PATCH /admin/users/{id}/deactivate) disabled, or one deleted. Svix does not order deliveries, so an event older than the last one
// applied for its user changes nothing; and each Svix message applies once (a replay finds
// its receipt). Verified with @clerk/backend's verifyWebhook.
import { verifyWebhook } from '@clerk/backend/webhooks';
import type { Kysely } from 'kysely';
import { revokeAllKeys } from '../api-keys/api-keys.repository.js';
import type { ClerkAuth } from '../auth/clerk.js';
import type { ClerkUserStateTable, DB, Db, UserRow } from '../db/types.js';
import { AppError } from '../errors.js';
import { announceProfileChange } from '../live/profile-changes.repository.js';
import {
  findUserByClerkId,
  lockClerkState,
  saveClerkState,
  setUserActive,
  upsertProfile,
} from '../users/users.repository.js';
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

interface ClerkEvent {
  type: string;
  data: unknown;
  /** When Clerk made the event (ms since the epoch). */
  timestamp?: unknown;
}

export type ClerkWebhooksService = ReturnType<typeof createClerkWebhooksService>;

/** When the event happened: Clerk's own timestamp, else the Svix message's (seconds). */
function eventTime(evt: ClerkEvent, svixTimestamp: string | null): Date {
  if (typeof evt.timestamp === 'number' && Number.isFinite(evt.timestamp)) return new Date(evt.timestamp);
  const seconds = Number(svixTimestamp);
  return new Date(Number.isFinite(seconds) ? seconds * 1000 : Date.now());
}

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

  /** Applies one (fresh, in order) event for `clerkUserId`; returns who disabled them now. */
  async function apply(
    trx: Db,
    evt: ClerkEvent,
    clerkUserId: string,
    state: ClerkUserStateTable,
    logged: NewSecurityEvent[],
  ): Promise<ClerkUserStateTable['disabled_by']> {
    const changed = async (active: boolean, why: string) => {
      const row: UserRow | undefined = await setUserActive(trx, clerkUserId, active);
      if (row) logged.push({ userId: row.id, type: active ? 'user.enabled' : 'user.disabled', detail: why });
      return row;
    };
    const data = (evt.data ?? {}) as ClerkUserData;
    if (evt.type === 'user.created' || evt.type === 'user.updated') {
      if (state.disabled_by === 'deleted') return 'deleted'; // a late update of a deleted user
      await upsertProfile(trx, {
        clerkUserId,
        email: emailOf(data),
        firstName: data.first_name ?? null,
        username: data.username ?? null,
      });
      const blocked = data.banned === true || data.locked === true;
      // An admin's deactivation stays until an admin reactivates: Clerk neither takes it over nor undoes it.
      if (state.disabled_by === 'admin') return 'admin';
      if (blocked) {
        // Disabled here only if active: a user an operator disabled stays the operator's to enable.
        const row = await changed(false, data.banned ? 'banned in Clerk' : 'locked in Clerk');
        return row || state.disabled_by === 'clerk' ? 'clerk' : null;
      }
      if (state.disabled_by === 'clerk') await changed(true, 'unbanned in Clerk');
      return null;
    }
    if (evt.type === 'user.deleted') {
      // Keys go even when the user was already disabled (banned first, then deleted).
      const user =
        (await changed(false, 'deleted in Clerk')) ?? (await findUserByClerkId(trx as Kysely<DB>, clerkUserId));
      for (const k of user ? await revokeAllKeys(trx, user.id) : []) {
        logged.push({
          userId: k.user_id,
          type: 'api_key.revoked',
          apiKeyId: k.id,
          keyPrefix: k.key_prefix,
          detail: 'user deleted in Clerk',
        });
      }
      return 'deleted';
    }
    return state.disabled_by;
  }

  return {
    /** Verifies and applies one delivery; `url` and `headers` as received, `raw` the exact body. */
    async receive(url: string, headers: Record<string, string | string[] | undefined>, raw: Buffer) {
      if (!deps.signingSecret) throw new AppError(503, 'SERVICE_UNAVAILABLE', WEBHOOKS_NOT_CONFIGURED);
      const h = new Headers();
      for (const [k, v] of Object.entries(headers)) if (typeof v === 'string') h.set(k, v);
      let evt: ClerkEvent;
      try {
        evt = (await verifyWebhook(new Request(url, { method: 'POST', headers: h, body: new Uint8Array(raw) }), {
          signingSecret: deps.signingSecret,
        })) as ClerkEvent;
      } catch {
        throw new AppError(400, 'BAD_USER_INPUT', INVALID_WEBHOOK);
      }
      const svixId = h.get('svix-id') ?? '';
      const data = (evt.data ?? {}) as ClerkUserData;
      const clerkUserId = typeof data.id === 'string' ? data.id : undefined;
      const at = eventTime(evt, h.get('svix-timestamp'));
      const logged: NewSecurityEvent[] = [];
      await db.transaction().execute(async (trx) => {
        if (!(await claimWebhookReceipt(trx, svixId, evt.type))) return; // a replay
        if (!clerkUserId) return;
        const state = await lockClerkState(trx, clerkUserId);
        if (state.last_event_at && at < state.last_event_at) return; // late: a newer event was applied
        const disabledBy = await apply(trx, evt, clerkUserId, state, logged);
        await saveClerkState(trx, clerkUserId, { disabledBy, lastEventAt: at });
      });
      // The role may have changed: every instance forgets its cached profile.
      if (clerkUserId) await announceProfileChange(db, deps.clerk, clerkUserId);
      for (const e of logged) await events.record(e);
      return { status: 'ok' as const };
    },
  };
}

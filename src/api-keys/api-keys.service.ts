// Rules for API keys: developer role, one active key per user (the database has the
// final word), 3 creations a minute per user, expiry, scopes, rotation with a grace
// window (one new key per rotation, however many race), immediate revocation; each
// change written to the owner's security log.
import { randomUUID } from 'node:crypto';
import bcrypt from 'bcrypt';
import type { Kysely } from 'kysely';
import { displayPrefixOf, generateApiKey } from '../auth/api-key-format.js';
import type { ClerkAuth } from '../auth/clerk.js';
import { NOAUTH_CLERK_USER_ID } from '../auth/strategies/dev-user.strategy.js';
import { requireKeysRead, requireScope, requireUser, type Viewer } from '../auth/viewer.js';
import type { ApiKeyRow, DB, UserRow } from '../db/types.js';
import { Errors, violatedUniqueConstraint } from '../errors.js';
import type { RateLimit } from '../lib/rate-limit.js';
import { isUuid } from '../lib/validation.js';
import type { SecurityLog } from '../security/security-log.js';
import {
  endPredecessorGrace,
  findApiKey,
  hasActiveKey,
  insertApiKey,
  listApiKeys,
  markReplaced,
  retireExpiredKeys,
  revokeApiKey,
} from './api-keys.repository.js';
import type { CreateApiKeyBody, RotateApiKeyBody } from './api-keys.schemas.js';

const DEVELOPER_ROLES = new Set(['developer', 'admin']);

/**
 * keys:write, from a key that is not itself on its way out: a key replaced by a rotation
 * only serves requests until its grace ends (else it could revoke its successor and make
 * a fresh key in its place).
 */
function requireKeyManager(viewer: Viewer): void {
  requireScope(viewer, 'keys:write');
  if (viewer.kind === 'api-key' && viewer.replaced) throw Errors.replacedKeyCannotManageKeys();
}

/**
 * The scopes a new key gets: a key makes keys within its own scopes only (sessions and the
 * dev user have every scope). Without a request, a key's creation inherits the creator's.
 */
function grantableScopes(viewer: Viewer, requested: readonly string[] | undefined): readonly string[] | undefined {
  if (viewer.kind !== 'api-key') return requested;
  const wanted = requested ?? viewer.scopes;
  for (const scope of wanted) if (!viewer.scopes.includes(scope)) throw Errors.missingScope(scope);
  return wanted;
}
const ONE_ACTIVE_INDEX = 'api_keys_one_active_per_user';
const PREFIX_UNIQUE = 'api_keys_key_prefix_key';

/** Where the request came from, for the security log. */
export interface RequestOrigin {
  ip?: string | undefined;
  userAgent?: string | undefined;
}

export interface ApiKeysServiceDeps {
  db: Kysely<DB>;
  clerk: ClerkAuth;
  /** Key creations per user (per minute, by configuration). */
  createLimit: RateLimit;
  bcryptCost: number;
  events: SecurityLog;
}

export type ApiKeysService = ReturnType<typeof createApiKeysService>;

export function createApiKeysService(deps: ApiKeysServiceDeps) {
  const { db, events } = deps;

  async function roleOf(viewer: Viewer): Promise<string | null> {
    if (viewer.kind === 'anonymous') return null;
    // The dev user (and keys it created) has the developer role by definition.
    if (viewer.kind === 'noauth' || viewer.clerkUserId === NOAUTH_CLERK_USER_ID) return 'developer';
    return (await deps.clerk.profile(viewer.clerkUserId, viewer.kind === 'clerk' ? viewer.claims : undefined)).role;
  }

  /** Who may make a key: keys:write, the developer role, and within the creation limit. */
  async function mayMakeKey(viewer: Viewer): Promise<UserRow> {
    requireKeyManager(viewer);
    const user = requireUser(viewer);
    const role = await roleOf(viewer);
    if (!role || !DEVELOPER_ROLES.has(role)) throw Errors.developerRequired();
    const limit = await deps.createLimit.consume(user.id);
    if (!limit.allowed) throw Errors.tooManyRequests(limit.retryAfterSeconds);
    return user;
  }

  const logged = (k: ApiKeyRow, origin: RequestOrigin) => ({
    userId: k.user_id,
    apiKeyId: k.id,
    keyPrefix: k.key_prefix,
    ip: origin.ip,
    userAgent: origin.userAgent,
  });

  return {
    async create(
      viewer: Viewer,
      input: CreateApiKeyBody,
      origin: RequestOrigin = {},
    ): Promise<{ key: string; keyInfo: ApiKeyRow }> {
      const user = await mayMakeKey(viewer);
      const scopes = grantableScopes(viewer, input.scopes);
      // Expired keys no longer count as the one active key.
      await retireExpiredKeys(db, user.id);
      // A friendly early answer; the partial unique index below is what actually decides.
      if (await hasActiveKey(db, user.id)) throw Errors.activeKeyExists();
      for (let attempt = 0; ; attempt++) {
        const key = generateApiKey();
        const keyHash = await bcrypt.hash(key, deps.bcryptCost);
        try {
          const keyInfo = await insertApiKey(db, {
            userId: user.id,
            keyPrefix: displayPrefixOf(key),
            keyHash,
            name: input.name,
            expiresInDays: input.expires_in_days,
            scopes,
          });
          await events.record({ ...logged(keyInfo, origin), type: 'api_key.created' });
          return { key, keyInfo };
        } catch (e) {
          const constraint = violatedUniqueConstraint(e);
          if (constraint === ONE_ACTIVE_INDEX) throw Errors.activeKeyExists();
          // 62^12 prefixes make a collision absurdly rare; draw again rather than fail.
          if (constraint === PREFIX_UNIQUE && attempt < 3) continue;
          throw e;
        }
      }
    },

    /**
     * A new key with the same name, scopes and expiry period; the old one keeps working for
     * the grace window, then is refused as expired. The conditional update of the old key
     * decides which of concurrent rotations wins; the others get 400.
     */
    async rotate(
      viewer: Viewer,
      keyId: string,
      input: RotateApiKeyBody,
      origin: RequestOrigin = {},
    ): Promise<{ key: string; keyInfo: ApiKeyRow }> {
      const user = await mayMakeKey(viewer);
      if (!isUuid(keyId)) throw Errors.apiKeyNotFound();
      const old = await findApiKey(db, user.id, keyId);
      if (!old) throw Errors.apiKeyNotFound();
      grantableScopes(viewer, old.scopes);
      for (let attempt = 0; ; attempt++) {
        const key = generateApiKey();
        const keyHash = await bcrypt.hash(key, deps.bcryptCost);
        const newId = randomUUID();
        let ended: ApiKeyRow[] = [];
        try {
          const keyInfo = await db.transaction().execute(async (trx) => {
            const replaced = await markReplaced(trx, user.id, keyId, newId, input.grace_period_seconds);
            if (!replaced) throw Errors.cannotRotate();
            ended = await endPredecessorGrace(trx, user.id, keyId);
            const lifetimeDays =
              old.expires_at && !old.replaced_by_key_id
                ? Math.round((old.expires_at.getTime() - old.created_at.getTime()) / 86_400_000)
                : undefined;
            return insertApiKey(trx, {
              id: newId,
              userId: user.id,
              keyPrefix: displayPrefixOf(key),
              keyHash,
              name: old.name,
              scopes: old.scopes,
              expiresInDays: lifetimeDays && Math.min(Math.max(lifetimeDays, 1), 366),
            });
          });
          await events.record({
            ...logged(old, origin),
            type: 'api_key.rotated',
            detail: `replaced by ${keyInfo.key_prefix}; grace ${input.grace_period_seconds}s`,
          });
          for (const k of ended) {
            await events.record({
              ...logged(k, origin),
              type: 'api_key.expired',
              detail: 'grace ended by a later rotation',
              once: `expired:${k.id}`,
            });
          }
          return { key, keyInfo };
        } catch (e) {
          const constraint = violatedUniqueConstraint(e);
          if (constraint === ONE_ACTIVE_INDEX) throw Errors.cannotRotate();
          if (constraint === PREFIX_UNIQUE && attempt < 3) continue;
          throw e;
        }
      }
    },

    async list(viewer: Viewer): Promise<ApiKeyRow[]> {
      requireKeysRead(viewer);
      return listApiKeys(db, requireUser(viewer).id);
    },

    /** Revokes the caller's key; revoking an already revoked key answers the same. */
    async revoke(viewer: Viewer, keyId: string, origin: RequestOrigin = {}): Promise<ApiKeyRow> {
      requireKeyManager(viewer);
      const user = requireUser(viewer);
      if (!isUuid(keyId)) throw Errors.apiKeyNotFound();
      const revoked = await revokeApiKey(db, user.id, keyId);
      if (revoked) {
        await events.record({ ...logged(revoked, origin), type: 'api_key.revoked' });
        return revoked;
      }
      const existing = await findApiKey(db, user.id, keyId);
      if (!existing) throw Errors.apiKeyNotFound();
      return existing;
    },
  };
}

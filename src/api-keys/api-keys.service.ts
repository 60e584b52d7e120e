// Rules for API keys: developer role, one active key per user (the database has the
// final word), 3 creations a minute per user, immediate revocation.
import bcrypt from 'bcrypt';
import type { Kysely } from 'kysely';
import { displayPrefixOf, generateApiKey } from '../auth/api-key-format.js';
import type { ClerkAuth } from '../auth/clerk.js';
import { NOAUTH_CLERK_USER_ID } from '../auth/strategies/dev-user.strategy.js';
import { requireUser, type Viewer } from '../auth/viewer.js';
import type { ApiKeyRow, DB } from '../db/types.js';
import { Errors, violatedUniqueConstraint } from '../errors.js';
import type { RateLimit } from '../lib/rate-limit.js';
import { isUuid } from '../lib/validation.js';
import { findApiKey, hasActiveKey, insertApiKey, listApiKeys, revokeApiKey } from './api-keys.repository.js';
import type { CreateApiKeyBody } from './api-keys.schemas.js';

const DEVELOPER_ROLES = new Set(['developer', 'admin']);
const ONE_ACTIVE_INDEX = 'api_keys_one_active_per_user';
const PREFIX_UNIQUE = 'api_keys_key_prefix_key';

export interface ApiKeysServiceDeps {
  db: Kysely<DB>;
  clerk: ClerkAuth;
  /** Key creations per user (per minute, by configuration). */
  createLimit: RateLimit;
  bcryptCost: number;
}

export type ApiKeysService = ReturnType<typeof createApiKeysService>;

export function createApiKeysService(deps: ApiKeysServiceDeps) {
  const { db } = deps;

  async function roleOf(viewer: Viewer): Promise<string | null> {
    if (viewer.kind === 'anonymous') return null;
    // The dev user (and keys it created) has the developer role by definition.
    if (viewer.kind === 'noauth' || viewer.clerkUserId === NOAUTH_CLERK_USER_ID) return 'developer';
    return (await deps.clerk.profile(viewer.clerkUserId, viewer.kind === 'clerk' ? viewer.claims : undefined)).role;
  }

  return {
    async create(viewer: Viewer, input: CreateApiKeyBody): Promise<{ key: string; keyInfo: ApiKeyRow }> {
      const user = requireUser(viewer);
      const role = await roleOf(viewer);
      if (!role || !DEVELOPER_ROLES.has(role)) throw Errors.developerRequired();

      const limit = await deps.createLimit.consume(user.id);
      if (!limit.allowed) throw Errors.tooManyRequests(limit.retryAfterSeconds);

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
          });
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

    async list(viewer: Viewer): Promise<ApiKeyRow[]> {
      return listApiKeys(db, requireUser(viewer).id);
    },

    /** Revokes the caller's key; revoking an already revoked key answers the same. */
    async revoke(viewer: Viewer, keyId: string): Promise<ApiKeyRow> {
      const user = requireUser(viewer);
      if (!isUuid(keyId)) throw Errors.apiKeyNotFound();
      const revoked = await revokeApiKey(db, user.id, keyId);
      if (revoked) return revoked;
      const existing = await findApiKey(db, user.id, keyId);
      if (!existing) throw Errors.apiKeyNotFound();
      return existing;
    },
  };
}

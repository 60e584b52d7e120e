// GitHub secret-scanning partner program: an alert lists tokens found in public code.
// The signature over the raw body is checked against GitHub's published key; every live
// Torale key in the batch is revoked at once and logged as leaked for its owner, and
// GitHub gets its feedback array (true_positive for our keys, false_positive otherwise).
import { createHash, verify } from 'node:crypto';
import bcrypt from 'bcrypt';
import type { Kysely } from 'kysely';
import { findKeyByPrefix, revokeKeyById } from '../api-keys/api-keys.repository.js';
import { displayPrefixOf, isWellFormedApiKey } from '../auth/api-key-format.js';
import type { DB } from '../db/types.js';
import { AppError, Errors } from '../errors.js';
import type { GitHubKeys } from './github-keys.js';
import type { SecurityLog } from './security-log.js';

export const INVALID_SIGNATURE = 'Invalid signature';
const MAX_BATCH = 1000;

export interface LeakFeedback {
  token_hash: string;
  token_type: string;
  label: 'true_positive' | 'false_positive';
}

export type SecretScanningService = ReturnType<typeof createSecretScanningService>;

export function createSecretScanningService(deps: { db: Kysely<DB>; keys: GitHubKeys; events: SecurityLog }) {
  const { db, keys, events } = deps;
  const refused = () => new AppError(401, 'UNAUTHENTICATED', INVALID_SIGNATURE);

  async function checkSignature(raw: Buffer, identifier: string | undefined, signature: string | undefined) {
    if (!identifier || !signature) throw refused();
    const pem = await keys.pem(identifier);
    if (!pem) throw refused();
    let ok = false;
    try {
      ok = verify('sha256', raw, pem, Buffer.from(signature, 'base64'));
    } catch {
      ok = false;
    }
    if (!ok) throw refused();
  }

  /** Is this token one of our keys (the secret, not only the prefix)? Revokes it if live. */
  async function handle(token: string, url: string | undefined): Promise<boolean> {
    if (!isWellFormedApiKey(token)) return false;
    const row = await findKeyByPrefix(db, displayPrefixOf(token));
    if (!row || !(await bcrypt.compare(token, row.key_hash))) return false;
    const revoked = await revokeKeyById(db, row.id);
    if (revoked) {
      await events.record({
        userId: row.user_id,
        type: 'api_key.leaked',
        apiKeyId: row.id,
        keyPrefix: row.key_prefix,
        detail: url ? `found in public code at ${url.slice(0, 2000)}` : 'found in public code',
      });
    }
    return true;
  }

  return {
    async alert(
      raw: Buffer,
      headers: { identifier: string | undefined; signature: string | undefined },
    ): Promise<LeakFeedback[]> {
      await checkSignature(raw, headers.identifier, headers.signature);
      let batch: unknown;
      try {
        batch = JSON.parse(raw.toString('utf8'));
      } catch {
        throw Errors.badRequest('Invalid JSON body');
      }
      if (!Array.isArray(batch) || batch.length > MAX_BATCH) throw Errors.badRequest('Expected an array of tokens');
      const feedback: LeakFeedback[] = [];
      for (const item of batch as { token?: unknown; type?: unknown; url?: unknown }[]) {
        if (typeof item?.token !== 'string') continue;
        const ours = await handle(item.token, typeof item.url === 'string' ? item.url : undefined);
        feedback.push({
          token_hash: createHash('sha256').update(item.token).digest('hex'),
          token_type: typeof item.type === 'string' ? item.type : 'torale_api_key',
          label: ours ? 'true_positive' : 'false_positive',
        });
      }
      return feedback;
    },
  };
}

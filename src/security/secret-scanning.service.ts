// GitHub secret-scanning partner program: an alert lists tokens found in public code.
// The signature over the raw body is checked against GitHub's published key; every live
// Torale key in the batch is revoked and logged as leaked for its owner, and GitHub gets
// its feedback array (true_positive for our keys, false_positive otherwise).
// A token is ours only if its secret matches the stored bcrypt hash, and anyone can push
// many tokens sharing a real key's prefix into public code: comparisons run at most
// COMPARE_CONCURRENCY at a time (bcrypt shares libuv's pool with every request), a prefix
// stops being compared once one of its tokens matched, and GitHub is answered within
// `answerWithinMs` with the tokens decided by then — the rest are decided (and revoked) in
// the background, as GitHub's feedback is optional.
import { createHash, verify } from 'node:crypto';
import bcrypt from 'bcrypt';
import type { Kysely } from 'kysely';
import { findKeyByPrefix, revokeKeyById } from '../api-keys/api-keys.repository.js';
import { displayPrefixOf, isWellFormedApiKey } from '../auth/api-key-format.js';
import type { ApiKeyRow, DB } from '../db/types.js';
import { AppError, Errors } from '../errors.js';
import { Limiter } from '../lib/limiter.js';
import type { Logger } from '../lib/logger.js';
import type { RemoteKeys } from '../lib/remote-keys.js';
import type { SecurityLog } from './security-log.js';

export const INVALID_SIGNATURE = 'Invalid signature';
const MAX_BATCH = 1000;
const COMPARE_CONCURRENCY = 2;

export interface LeakFeedback {
  token_hash: string;
  token_type: string;
  label: 'true_positive' | 'false_positive';
}

export type SecretScanningService = ReturnType<typeof createSecretScanningService>;

interface Item {
  token: string;
  type: string;
  url: string | undefined;
}

export function createSecretScanningService(deps: {
  db: Kysely<DB>;
  keys: RemoteKeys;
  events: SecurityLog;
  logger: Logger;
  /** GitHub is answered by then with what is decided; the rest goes on in the background. */
  answerWithinMs: number;
}) {
  const { db, keys, events, logger } = deps;
  const refused = () => new AppError(401, 'UNAUTHENTICATED', INVALID_SIGNATURE);
  // Shared by every alert of this instance; the queue holds at most two full batches.
  const compares = new Limiter(COMPARE_CONCURRENCY, 2 * MAX_BATCH);
  const stats = { compares: 0, backgroundPending: 0 };

  async function checkSignature(raw: Buffer, identifier: string | undefined, signature: string | undefined) {
    if (!identifier || !signature) throw refused();
    const pem = await keys.get(identifier);
    if (!pem) throw refused();
    let ok = false;
    try {
      ok = verify('sha256', raw, pem, Buffer.from(signature, 'base64'));
    } catch {
      ok = false;
    }
    if (!ok) throw refused();
  }

  async function revoke(row: ApiKeyRow, url: string | undefined): Promise<void> {
    const revoked = await revokeKeyById(db, row.id);
    if (!revoked) return;
    await events.record({
      userId: row.user_id,
      type: 'api_key.leaked',
      apiKeyId: row.id,
      keyPrefix: row.key_prefix,
      detail: url ? `found in public code at ${url.slice(0, 2000)}` : 'found in public code',
    });
  }

  /** Decides every distinct token of one prefix: at most one can match the key's hash. */
  function decidePrefix(prefix: string, items: Item[]): Map<string, Promise<boolean>> {
    let matched = false;
    const row = findKeyByPrefix(db, prefix);
    const out = new Map<string, Promise<boolean>>();
    for (const item of items) {
      out.set(
        item.token,
        row.then(async (r) => {
          if (!r) return false;
          const ok = await compares.run(async () => {
            if (matched) return false; // another token of this prefix was the key
            stats.compares++;
            return bcrypt.compare(item.token, r.key_hash);
          });
          if (ok) {
            matched = true;
            await revoke(r, item.url);
          }
          return ok;
        }),
      );
    }
    return out;
  }

  function decide(items: Item[]): Map<string, Promise<boolean>> {
    const byPrefix = new Map<string, Item[]>();
    const seen = new Set<string>();
    for (const item of items) {
      if (seen.has(item.token) || !isWellFormedApiKey(item.token)) continue;
      seen.add(item.token);
      const prefix = displayPrefixOf(item.token);
      byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), item]);
    }
    const decisions = new Map<string, Promise<boolean>>();
    for (const [prefix, group] of byPrefix) for (const [t, p] of decidePrefix(prefix, group)) decisions.set(t, p);
    return decisions;
  }

  return {
    stats,

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
      const items: Item[] = (batch as { token?: unknown; type?: unknown; url?: unknown }[])
        .filter((i) => typeof i?.token === 'string')
        .map((i) => ({
          token: i.token as string,
          type: typeof i.type === 'string' ? i.type : 'torale_api_key',
          url: typeof i.url === 'string' ? i.url : undefined,
        }));
      const decisions = decide(items);
      const decided = new Map<string, boolean>();
      const all = [...decisions].map(([token, p]) =>
        p.then(
          (ok) => void decided.set(token, ok),
          (err) =>
            logger.error({ err: { message: (err as Error).message } }, 'secret scanning: a token could not be checked'),
        ),
      );
      stats.backgroundPending += all.length;
      for (const p of all) void p.finally(() => stats.backgroundPending--);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(all),
        new Promise((r) => {
          timer = setTimeout(r, deps.answerWithinMs);
        }),
      ]);
      clearTimeout(timer);
      const feedback: LeakFeedback[] = [];
      for (const item of items) {
        // Not well-formed: not ours. Not decided yet: left out (GitHub's feedback is optional).
        const ours = decisions.has(item.token) ? decided.get(item.token) : false;
        if (ours === undefined) continue;
        feedback.push({
          token_hash: createHash('sha256').update(item.token).digest('hex'),
          token_type: item.type,
          label: ours ? 'true_positive' : 'false_positive',
        });
      }
      return feedback;
    },
  };
}

// The response cache of anonymous public reads over GraphQL (issue 27), as Apollo does it:
// Apollo's cache-control plugin computes each answer's policy from the `@cacheControl` hints
// in the schema (only the public root fields carry a maxAge; owner-only fields are PRIVATE),
// and Apollo's response-cache plugin keeps the answers whose policy allows it.
// Whose an entry is: only callers without credentials read or write the cache — anything with
// a viewer (API key, session, dev user) runs every time — so no entry can hold what one
// caller may see and another may not. Every key carries the public generation
// (public-generation.ts): a change retires all older entries at once, on every instance.
// Entries live in Redis when REDIS_URL is set (shared by the instances), else in a bounded
// in-memory LRU.
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import responseCachePlugin from '@apollo/server-plugin-response-cache';
import { InMemoryLRUCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import { LRUCache } from 'lru-cache';
import type { Database } from '../db/database.js';
import type { GraphQLContext } from '../graphql/context.js';
import type { Logger } from '../lib/logger.js';
import { RedisKeyValueCache } from '../lib/redis-cache.js';
import { PublicGeneration } from './public-generation.js';

export interface PublicCacheOptions {
  enabled: boolean;
  memoryMb: number;
  redisUrl?: string | undefined;
}

export interface PublicCacheStats {
  /** Anonymous queries answered from the cache. */
  hits: number;
  /** Anonymous queries that ran (and were stored when their policy allowed it). */
  misses: number;
}

/** Set on an operation's context when its answer may be kept whole (see `remember`). */
export interface PublicAnswerNote {
  generation?: string;
  maxAge?: number;
}

interface Answer {
  generation: string;
  body: string;
  expires: number;
}

export class PublicCache {
  readonly stats: PublicCacheStats = { hits: 0, misses: 0 };
  /**
   * This instance's copy of whole HTTP answers Apollo's response cache said may be shared, so a
   * repeated anonymous read is answered before Apollo parses anything. Same rules and key:
   * anonymous only, the generation in each entry, the policy's maxAge.
   */
  readonly #answers = new LRUCache<string, Answer>({ max: 2000 });
  readonly generation: PublicGeneration;
  readonly store: KeyValueCache;
  readonly #redis: RedisKeyValueCache | undefined;

  constructor(database: Database, logger: Logger, opts: PublicCacheOptions) {
    this.generation = new PublicGeneration(database, logger);
    this.#redis = opts.redisUrl ? new RedisKeyValueCache(opts.redisUrl, logger, 'torale:public:') : undefined;
    this.store =
      this.#redis ??
      new InMemoryLRUCache<string>({
        maxSize: opts.memoryMb * 1024 * 1024,
        sizeCalculation: InMemoryLRUCache.sizeCalculation,
      });
  }

  get backend(): 'redis' | 'memory' {
    return this.#redis ? 'redis' : 'memory';
  }

  start(): Promise<void> {
    return this.generation.start();
  }

  async stop(): Promise<void> {
    await this.generation.stop();
    this.#redis?.close();
  }

  /** The key of an anonymous POST whose whole answer may be on hand (query text, name, variables). */
  answerKey(viewer: GraphQLContext['viewer'], method: string, body: unknown): string | undefined {
    if (viewer.kind !== 'anonymous' || method !== 'POST' || !body || typeof body !== 'object') return undefined;
    const b = body as { query?: unknown; operationName?: unknown; variables?: unknown; extensions?: unknown };
    if (typeof b.query !== 'string' || b.extensions !== undefined) return undefined;
    return JSON.stringify([b.query, b.operationName ?? null, b.variables ?? null]);
  }

  /** The whole answer kept for `key` in the current generation, if any (a hit). */
  answer(key: string): string | undefined {
    const generation = this.generation.key;
    const a = this.#answers.get(key);
    if (!a || generation === undefined || a.generation !== generation || a.expires < Date.now()) return undefined;
    this.stats.hits++;
    return a.body;
  }

  /** Every whole answer held (tests look inside). */
  keptAnswers(): string[] {
    return [...this.#answers.values()].map((a) => a.body);
  }

  /** Keeps the answer Apollo just sent when the response cache deemed it shareable (`note`). */
  remember(key: string, note: PublicAnswerNote, body: unknown): void {
    if (typeof body !== 'string' || note.generation === undefined || !note.maxAge) return;
    if (note.generation !== this.generation.key) return;
    this.#answers.set(key, { generation: note.generation, body, expires: Date.now() + note.maxAge * 1000 });
  }

  /** Apollo's cache-control and response-cache plugins, keyed and gated as above. */
  plugins(): ApolloServerPlugin<GraphQLContext>[] {
    const keyedAt = new WeakMap<GraphQLContext, string | undefined>();
    const eligible = (ctx: GraphQLContext) => ctx.viewer.kind === 'anonymous' && keyedAt.get(ctx) !== undefined;
    return [
      ApolloServerPluginCacheControl({ defaultMaxAge: 0, calculateHttpHeaders: false }),
      responseCachePlugin<GraphQLContext>({
        cache: this.store,
        // No per-viewer entries at all: callers with credentials never reach the cache.
        sessionId: async () => null,
        extraCacheKeyData: async ({ contextValue }) => {
          const generation = this.generation.key;
          keyedAt.set(contextValue, generation);
          return { generation };
        },
        shouldReadFromCache: async ({ contextValue }) => eligible(contextValue),
        shouldWriteToCache: async ({ contextValue }) => eligible(contextValue),
      }),
      {
        requestDidStart: async () => ({
          willSendResponse: async ({ contextValue, metrics, operation, overallCachePolicy, response }) => {
            if (operation?.operation !== 'query' || !eligible(contextValue)) return;
            if (metrics.responseCacheHit) this.stats.hits++;
            else this.stats.misses++;
            const policy = overallCachePolicy.policyIfCacheable();
            const ok = response.body.kind === 'single' && !response.body.singleResult.errors;
            const note = contextValue.publicAnswer;
            if (note && ok && policy && policy.scope !== 'PRIVATE') {
              note.generation = keyedAt.get(contextValue);
              note.maxAge = policy.maxAge;
            }
          },
        }),
      },
    ];
  }
}

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

export class PublicCache {
  readonly stats: PublicCacheStats = { hits: 0, misses: 0 };
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
          willSendResponse: async ({ contextValue, metrics, operation }) => {
            if (operation?.operation !== 'query' || !eligible(contextValue)) return;
            if (metrics.responseCacheHit) this.stats.hits++;
            else this.stats.misses++;
          },
        }),
      },
    ];
  }
}

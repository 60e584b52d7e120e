// The generation of what anonymous visitors can read (tasks that are public, their runs,
// templates): the highest number of the `torale_public_generation` sequence this instance has
// heard announced on `torale_public` (migration 2026_12_08_1830). Cached public answers are
// keyed with it, so a change retires every older entry at once, on every instance, in about
// the time a NOTIFY takes. Unknown (undefined) until LISTEN is in place and the sequence has
// been read: nothing is cached meanwhile.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../db/database.js';
import type { Listener } from '../db/listener.js';
import type { Logger } from '../lib/logger.js';
import { readPublicGeneration } from './public-cache.repository.js';

export const PUBLIC_CHANNEL = 'torale_public';

export class PublicGeneration {
  readonly stats = { announced: 0, reads: 0 };
  #value: number | undefined;
  /** The database's own id (public_cache_epoch): keys of different databases never meet. */
  #epoch: string | undefined;
  #listener: Listener | undefined;
  #stopped = false;
  /** Settles after the first read (done or failed), so start() can wait for it. */
  #firstReadDone: () => void = () => undefined;
  readonly #firstRead = new Promise<void>((resolve) => {
    this.#firstReadDone = resolve;
  });

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
  ) {}

  /** The current generation; undefined while it is not known (cache nothing then). */
  get current(): number | undefined {
    return this.#value;
  }

  /** What a cache key carries: the database and its generation; undefined while not known. */
  get key(): string | undefined {
    return this.#value === undefined || this.#epoch === undefined ? undefined : `${this.#epoch}:${this.#value}`;
  }

  async start(): Promise<void> {
    this.#listener = await this.database.listen(PUBLIC_CHANNEL, {
      onMessage: (payload) => {
        const n = Number(payload);
        if (!Number.isSafeInteger(n)) return;
        this.stats.announced++;
        this.#advance(n);
      },
      // Announcements may have been missed before LISTEN was (again) in place: read where it is.
      onListening: () => void this.#read(),
      onReconnect: () => {
        this.#value = undefined;
      },
    });
    // Ready means ready: the instance starts with the generation known (one read, right after
    // LISTEN), so the first anonymous answers are cached and no read lands later mid-request.
    // Bounded: a slow database does not hold the start-up; nothing is cached until the read lands.
    await Promise.race([this.#firstRead, sleep(2000, undefined, { ref: false })]);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#listener?.close();
  }

  #advance(n: number): void {
    if (this.#value === undefined || n > this.#value) this.#value = n;
  }

  async #read(): Promise<void> {
    try {
      const read = await readPublicGeneration(this.database.db);
      this.stats.reads++;
      if (!read || this.#stopped) return;
      this.#epoch = read.epoch;
      this.#advance(read.generation);
    } catch (err) {
      this.logger.warn({ err: { message: (err as Error).message } }, 'public cache generation could not be read');
    } finally {
      this.#firstReadDone();
    }
  }
}

// A node-postgres-shaped "pool" around one embedded PGlite instance, so Kysely's own
// PostgresDialect (transactions, savepoints, migrations) runs unchanged on it.
// PGlite is a single session: a checked-out client holds it exclusively until release,
// which keeps transactions of concurrent requests from interleaving.
import { PGlite } from '@electric-sql/pglite';

type Command = 'UPDATE' | 'DELETE' | 'INSERT' | 'SELECT' | 'MERGE' | 'COMMIT' | 'ROLLBACK';

function commandOf(text: string): Command {
  const first = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'SELECT';
  if (first === 'WITH') {
    const dml = /\)\s*(insert|update|delete|merge)\b/i.exec(text)?.[1];
    return (dml?.toUpperCase() as Command | undefined) ?? 'SELECT';
  }
  if (first === 'END') return 'COMMIT';
  return (['UPDATE', 'DELETE', 'INSERT', 'MERGE', 'COMMIT', 'ROLLBACK'] as const).includes(first as never)
    ? (first as Command)
    : 'SELECT';
}

export class PGlitePool {
  #tail: Promise<void> = Promise.resolve();
  #waiting = 0;
  #busy = false;

  private constructor(private readonly pg: PGlite) {}

  static async open(dataDir: string): Promise<PGlitePool> {
    const pg = await PGlite.create(dataDir);
    return new PGlitePool(pg);
  }

  get waiting(): number {
    return this.#waiting;
  }

  get busy(): boolean {
    return this.#busy;
  }

  async connect() {
    let release!: () => void;
    const turn = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.#tail;
    this.#tail = previous.then(() => turn);
    this.#waiting++;
    await previous;
    this.#waiting--;
    this.#busy = true;
    let released = false;
    const pg = this.pg;
    return {
      async query(text: string, params: readonly unknown[]) {
        const result = await pg.query<Record<string, unknown>>(text, params as unknown[]);
        return {
          command: commandOf(text),
          rowCount: result.affectedRows ?? result.rows.length,
          rows: result.rows,
        };
      },
      release: () => {
        if (released) return;
        released = true;
        this.#busy = false;
        release();
      },
    };
  }

  /** PGlite delivers NOTIFY of its own session to listeners in this process. */
  async listen(channel: string, onMessage: (payload: string) => void): Promise<{ close(): Promise<void> }> {
    const unlisten = await this.pg.listen(channel, onMessage);
    return { close: () => unlisten() };
  }

  async end(): Promise<void> {
    await this.#tail;
    await this.pg.close();
  }
}

// SQL against Torale's database (read only): its schema revision and columns, row counts, and
// rows in primary-key order, a batch at a time. Timestamps are read as text in UTC so that
// microseconds survive the trip (a JavaScript Date keeps milliseconds only).
import pg from 'pg';

const TEXT_TYPES = [1082, 1083, 1114, 1184, 1266]; // date, time, timestamp, timestamptz, timetz

export interface ToraleSource {
  /** Alembic's revision of the database; null when there is no alembic_version table. */
  revision(): Promise<string | null>;
  /** Columns of each table in the public schema. */
  columns(): Promise<Map<string, Set<string>>>;
  count(table: string, where?: string): Promise<number>;
  /** Up to `limit` rows after `afterKey` (exclusive) in `key` order. */
  batch<T>(q: SourceQuery, afterKey: string | null, limit: number): Promise<T[]>;
  /** The rows with these keys. */
  byKeys<T>(q: SourceQuery, keys: readonly string[]): Promise<T[]>;
  /** Only the keys, in order: cheap (an index-only scan). */
  keys(q: SourceQuery, afterKey: string | null, limit: number): Promise<string[]>;
  /** Some values as they are identified in reports: the database and server, never credentials. */
  readonly label: string;
  close(): Promise<void>;
}

export interface SourceQuery {
  table: string;
  columns: readonly string[];
  /** The ordering key (unique); `id` unless said. */
  key?: string;
  /** An extra filter (a constant SQL condition of the step, never user input). */
  where?: string;
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

function select(q: SourceQuery): string {
  return q.columns.map((c) => (c.includes('(') || c.includes(' as ') ? c : ident(c))).join(', ');
}

export async function openToraleSource(url: string): Promise<ToraleSource> {
  const parsed = new URL(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: 2,
    connectionTimeoutMillis: 10_000,
    // A consistent, exact text form for every timestamp, whatever the server's settings.
    options: '-c TimeZone=UTC -c DateStyle=ISO',
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        TEXT_TYPES.includes(oid)
          ? (v: string) => v
          : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', () => {}); // an idle client's error must not crash the import; the next query reports it
  const run = async <T>(text: string, values: unknown[] = []) => (await pool.query(text, values)).rows as T[];
  const keyOf = (q: SourceQuery) => ident(q.key ?? 'id');
  const filter = (q: SourceQuery, extra: string) =>
    [q.where, extra].filter(Boolean).length ? `where ${[q.where, extra].filter(Boolean).join(' and ')}` : '';

  return {
    label: `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`,
    async revision() {
      const exists = await run<{ t: string | null }>(`select to_regclass('public.alembic_version')::text as t`);
      if (!exists[0]?.t) return null;
      const rows = await run<{ version_num: string }>('select version_num from alembic_version');
      return rows[0]?.version_num ?? null;
    },
    async columns() {
      const rows = await run<{ table_name: string; column_name: string }>(
        `select table_name, column_name from information_schema.columns where table_schema = 'public'`,
      );
      const out = new Map<string, Set<string>>();
      for (const r of rows) {
        if (!out.has(r.table_name)) out.set(r.table_name, new Set());
        out.get(r.table_name)?.add(r.column_name);
      }
      return out;
    },
    async count(table, where) {
      const rows = await run<{ n: string }>(
        `select count(*) as n from ${ident(table)}${where ? ` where ${where}` : ''}`,
      );
      return Number(rows[0]?.n ?? 0);
    },
    batch<T>(q: SourceQuery, afterKey: string | null, limit: number) {
      const after = afterKey === null ? '' : `${keyOf(q)} > $2`;
      return run<T>(
        `select ${select(q)} from ${ident(q.table)} ${filter(q, after)} order by ${keyOf(q)} limit $1`,
        afterKey === null ? [limit] : [limit, afterKey],
      );
    },
    byKeys<T>(q: SourceQuery, keys: readonly string[]) {
      const cast = (q.key ?? 'id') === 'id' ? '::uuid[]' : '::text[]';
      return run<T>(
        `select ${select(q)} from ${ident(q.table)} ${filter(q, `${keyOf(q)} = any($1${cast})`)} order by ${keyOf(q)}`,
        [keys],
      );
    },
    async keys(q: SourceQuery, afterKey: string | null, limit: number) {
      const after = afterKey === null ? '' : `${keyOf(q)} > $2`;
      const rows = await run<{ k: string }>(
        `select ${keyOf(q)}::text as k from ${ident(q.table)} ${filter(q, after)} order by ${keyOf(q)} limit $1`,
        afterKey === null ? [limit] : [limit, afterKey],
      );
      return rows.map((r) => r.k);
    },
    close: () => pool.end(),
  };
}

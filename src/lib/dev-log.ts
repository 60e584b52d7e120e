// LOG_FORMAT=pretty (npm run dev): each log record as one line a person reads at a
// terminal, formatted in this thread (no worker, no extra heap). Requests read as
// `12:01:02.345 POST /graphql 200 14 ms CreateTask`, refusals add their reason, live
// sockets read as `WS /graphql open` … `WS /graphql close 4401 Invalid API key 3 ms`.
import type { DestinationStream } from 'pino';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const COLOURS: Record<number, string> = { 40: '\x1b[33m', 50: '\x1b[31m', 60: '\x1b[31m' };
/** Fields every record has, or that the line already shows. */
const QUIET = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname', 'reqId', 'req', 'res']);

function clock(time: unknown): string {
  const d = typeof time === 'string' || typeof time === 'number' ? new Date(time) : new Date();
  return `${d.toTimeString().slice(0, 8)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function value(v: unknown): string {
  if (typeof v === 'string') return /\s/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (v && typeof v === 'object' && 'message' in v && typeof v.message === 'string') return JSON.stringify(v.message);
  return JSON.stringify(v);
}

/** One record (pino's JSON object) as one line, without the newline. */
export function formatRecord(rec: Record<string, unknown>): string {
  const level = Number(rec.level ?? 30);
  const head = clock(rec.time);
  if (rec.msg === 'request completed' && typeof rec.method === 'string') {
    const parts = [head, rec.method, rec.url, rec.statusCode, `${rec.ms} ms`];
    if (rec.op) parts.push(rec.op);
    if (rec.reason) parts.push(`— ${rec.reason}`);
    return parts.join(' ');
  }
  if (rec.live === 'ws' || rec.live === 'sse') {
    const parts = [head, rec.live.toUpperCase().padEnd(4), rec.url ?? '/graphql', rec.event];
    if (rec.code !== undefined) parts.push(rec.code);
    if (rec.reason) parts.push(rec.reason);
    if (rec.ms !== undefined) parts.push(`${rec.ms} ms`);
    return parts.join(' ');
  }
  const extra = Object.entries(rec)
    .filter(([k, v]) => !QUIET.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${value(v)}`);
  const name = LEVELS[level] ?? String(level);
  const tag = COLOURS[level] && process.stdout.isTTY ? `${COLOURS[level]}${name}\x1b[0m` : name;
  return [head, tag, rec.msg ?? '', ...extra].join(' ');
}

/** A pino destination that writes formatted lines to stdout (synchronously, in order). */
export function devLogStream(out: { write(s: string): unknown } = process.stdout): DestinationStream {
  return {
    write(line: string) {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      out.write(`${formatRecord(rec)}\n`);
    },
  };
}

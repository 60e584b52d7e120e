// The few pieces of the PostgreSQL frontend/backend protocol (version 3) that the embedded
// database's server needs: framing, the startup codes, and the messages it writes itself.
import type { PGlite } from '@electric-sql/pglite';

export const SSL_REQUEST = 80877103;
export const GSSENC_REQUEST = 80877104;
export const PROTOCOL_3 = 196608;

/** A backend message: type byte, int32 length (itself included), body. */
export function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
export const cstr = (s: string) => Buffer.from(`${s}\0`, 'utf8');
export const readyForQuery = (status: string) => message('Z', Buffer.from(status, 'latin1'));

/** A server's answer to a startup message: trusted, its parameters, a key, ready. */
export function startupReply(connectionId: number, params: Record<string, string>): Buffer {
  const key = Buffer.alloc(8);
  key.writeInt32BE(connectionId, 0);
  return Buffer.concat([
    message('R', Buffer.from([0, 0, 0, 0])),
    ...Object.entries(params).map(([k, v]) => message('S', Buffer.concat([cstr(k), cstr(v)]))),
    message('K', key),
    readyForQuery('I'),
  ]);
}

/** Splits complete messages off the front of `buf`; `startup` = the first, untyped message. */
export function takeMessages(buf: Buffer, startup: boolean): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let at = 0;
  let first = startup;
  for (;;) {
    const headerLen = first ? 4 : 5;
    if (buf.length - at < headerLen) break;
    const len = first ? buf.readInt32BE(at) : 1 + buf.readInt32BE(at + 1);
    if (len < headerLen - (first ? 0 : 1) || buf.length - at < len) break;
    messages.push(buf.subarray(at, at + len));
    at += len;
    first = false;
  }
  return { messages, rest: buf.subarray(at) };
}

/** Backend messages of one answer, in order. */
export function* backendMessages(out: Uint8Array): Generator<{ type: string; frame: Buffer; body: Buffer }> {
  const buf = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  let at = 0;
  while (buf.length - at >= 5) {
    const len = 1 + buf.readInt32BE(at + 1);
    const frame = buf.subarray(at, at + len);
    yield { type: String.fromCharCode(buf[at] as number), frame, body: frame.subarray(5) };
    at += len;
  }
}

/** A LISTEN/UNLISTEN channel as PostgreSQL folds it (unquoted = lower case). */
export function channelOf(raw: string): string {
  const t = raw.trim().replace(/;$/, '').trim();
  return t.startsWith('"') ? t.slice(1, -1).replaceAll('""', '"') : t.toLowerCase();
}

/** What a PostgreSQL server announces to a new connection, read from the session itself. */
export async function sessionParameters(pglite: PGlite): Promise<Record<string, string>> {
  const names = ['server_version', 'server_encoding', 'client_encoding', 'DateStyle', 'TimeZone', 'integer_datetimes'];
  const out: Record<string, string> = { standard_conforming_strings: 'on' };
  for (const name of names) {
    const { rows } = await pglite.query<Record<string, string>>(`show ${name}`);
    out[name] = Object.values(rows[0] ?? {})[0] ?? '';
  }
  return out;
}

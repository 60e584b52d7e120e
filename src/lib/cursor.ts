// Opaque cursors for keyset paging: base64url of a small JSON array of the sort key (and
// whatever the list needs to check it belongs to it). A cursor that does not decode, or
// is not what the list expects, is the caller's mistake: 400, never a 500.
import { Errors } from '../errors.js';

export const INVALID_CURSOR = 'Invalid cursor';

export function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

/** The parts of a cursor, checked by `accept` (true = well-formed for this list). */
export function decodeCursor(cursor: string, accept: (parts: readonly unknown[]) => boolean): (string | number)[] {
  let parts: unknown;
  try {
    parts = cursor.length <= 512 ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : undefined;
  } catch {
    parts = undefined;
  }
  if (!Array.isArray(parts) || !parts.every((p) => typeof p === 'string' || typeof p === 'number') || !accept(parts)) {
    throw Errors.badRequest(INVALID_CURSOR);
  }
  return parts as (string | number)[];
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/** Checks of cursor parts (used by the lists' `accept`). */
export const part = {
  uuid: (v: unknown): boolean => typeof v === 'string' && UUID_RE.test(v),
  time: (v: unknown): boolean => typeof v === 'string' && ISO_RE.test(v) && !Number.isNaN(Date.parse(v)),
  count: (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 2_147_483_647,
};

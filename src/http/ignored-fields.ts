// REST bodies take unknown fields as Torale's backend does (pydantic's default: ignored, not a
// 422) — its clients rely on it, e.g. one that sends a task back as it read it. What is dropped
// is named in the `Torale-Ignored-Fields` response header, so a typo does not go unnoticed.
// GraphQL inputs stay strict (this is for route body schemas only).
import type { TSchema } from '@sinclair/typebox';

export const IGNORED_FIELDS_HEADER = 'torale-ignored-fields';

/** At most this many names, and this many characters, go into the header. */
const MAX_NAMES = 20;
const MAX_HEADER_LENGTH = 1000;

type Schema = TSchema & {
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
};

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The one object member of a union (`T | null`), if there is exactly one. */
function objectMember(schema: Schema): Schema | undefined {
  const members = (schema.anyOf ?? schema.oneOf ?? []).filter((m) => m.properties !== undefined);
  return members.length === 1 ? members[0] : undefined;
}

function strip(schema: Schema, value: unknown, path: string, out: string[]): void {
  const union = objectMember(schema);
  if (union) {
    strip(union, value, path, out);
    return;
  }
  if (Array.isArray(value) && schema.items) {
    for (const [i, v] of value.entries()) strip(schema.items, v, `${path}${i}.`, out);
    return;
  }
  if (!isPlainObject(value) || !schema.properties) return;
  for (const key of Object.keys(value)) {
    const prop = schema.properties[key];
    if (prop) strip(prop, value[key], `${path}${key}.`, out);
    else if (schema.additionalProperties === false) {
      delete value[key];
      out.push(`${path}${key}`);
    }
  }
}

/** Header-safe: names are user text (any character), so anything outside visible ASCII is escaped. */
const safe = (name: string) => name.replace(/[^\x21-\x7e]|%|,/g, (c) => encodeURIComponent(c));

/**
 * Removes the fields the body schema does not know (at any depth the schema describes) and
 * returns the header value naming them (dotted paths, e.g. `notifications.0.disabled_at`), or
 * undefined when nothing was dropped.
 */
export function dropUnknownFields(schema: TSchema, body: unknown): string | undefined {
  const out: string[] = [];
  strip(schema as Schema, body, '', out);
  if (out.length === 0) return undefined;
  let header = out.slice(0, MAX_NAMES).map(safe).join(', ');
  if (header.length > MAX_HEADER_LENGTH) header = `${header.slice(0, MAX_HEADER_LENGTH)}...`;
  else if (out.length > MAX_NAMES) header += ', ...';
  return header;
}

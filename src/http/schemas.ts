// Schema pieces shared by every feature's *.schemas.ts: the contract's error bodies and
// the nullable/ISO-8601 field shapes of responses.
import { type TSchema, Type } from '@sinclair/typebox';
import { NO_NUL_PATTERN } from '../lib/validation.js';

export const DetailSchema = Type.Object({ detail: Type.String() });

export const ValidationErrorSchema = Type.Object({
  detail: Type.Array(
    Type.Object({
      type: Type.String(),
      loc: Type.Array(Type.Union([Type.String(), Type.Integer()])),
      msg: Type.String(),
    }),
  ),
});

/** A JSON-schema enum of strings (Ajv reports `enum`, as FastAPI's messages expect). */
export const StringEnum = <const T extends readonly string[]>(values: T, opts: Record<string, unknown> = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...opts });

export const NullableString = Type.Unsafe<string | null>({ type: ['string', 'null'] });
export const DateTime = Type.String({ format: 'date-time' });
export const NullableDateTime = Type.Unsafe<string | null>({ type: ['string', 'null'], format: 'date-time' });
export const AnyJson = Type.Unsafe<unknown>({});

/** A user-supplied text: trimmed, then 1..max characters, no NUL. */
export const Text = (max: number, opts: { description?: string } = {}) =>
  Type.String({ minLength: 1, maxLength: max, pattern: NO_NUL_PATTERN, 'x-trim': true, ...opts });

export const IdParams = Type.Object({ id: Type.String() });

/** Relay forward paging (CONTRACT.md "Cursor pagination"): 1–100 items, 20 by default, after an opaque cursor. */
export const ConnectionArgs = Type.Object({
  first: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  after: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
});

/** Error responses every authenticated route can give. */
export const authErrors = { 401: DetailSchema, 403: DetailSchema, 503: DetailSchema } as const;

export const nullable = <T extends TSchema>(schema: T) => Type.Union([Type.Null(), schema]);

// The kinds of setting the gateway has. Each builds, from a setting's one declaration, the
// TypeBox schema env-schema checks, how the raw text is read before that check, and the one
// message an operator sees for a bad value — so a bound is written once and every message
// quotes it.
import { type TSchema, Type } from '@sinclair/typebox';

export interface Setting<T = unknown> {
  readonly env: string;
  /** One line for README's table and .env.example. */
  readonly doc: string;
  /** What env-schema (Ajv) checks once `prepare` has run: type, bounds, default. */
  readonly schema: TSchema;
  /** The trimmed, non-empty text of the variable → what the schema checks. */
  readonly prepare: (raw: string) => unknown;
  /** What the operator is told when the value fails its schema. */
  readonly problems: (raw: string) => string[];
  /** The default as it would be written in the environment (none: unset, or computed). */
  readonly envDefault?: string;
  /** How the default follows from other settings, in words (config.ts works it out). */
  readonly computedDefault?: string;
  /** A sample value for .env.example, where there is no default to show. */
  readonly example?: string;
  /** Never set: carries the setting's type into Config. */
  readonly _type?: T;
}

interface Common {
  /** Shown in .env.example when there is no default. */
  example?: string;
}
/** The default follows from other settings (config.ts works it out); the text says how. */
interface Computed {
  computed: string;
}

const identity = (raw: string) => raw;
const DECIMAL = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;
/**
 * Numbers are read here, not by Ajv's coercion: it turns "0x10" into 16 and "1e400" into
 * Infinity, which then passes its minimum/maximum checks. NaN and Infinity fail the type.
 */
const decimal = (raw: string) => (DECIMAL.test(raw) ? Number(raw) : Number.NaN);
const setting = <T>(
  env: string,
  doc: string,
  schema: TSchema,
  problem: (raw: string) => string | string[],
  def: { envDefault?: string | undefined; computedDefault?: string | undefined },
  extra: Partial<Pick<Setting, 'prepare' | 'example'>> = {},
): Setting<T> => ({
  env,
  doc,
  schema,
  prepare: extra.prepare ?? identity,
  problems: (raw) => [problem(raw)].flat(),
  ...(def.envDefault !== undefined && { envDefault: def.envDefault }),
  ...(def.computedDefault !== undefined && { computedDefault: def.computedDefault }),
  ...(extra.example !== undefined && { example: extra.example }),
});

const shown = (v: string | number | undefined) => ({ envDefault: v === undefined ? undefined : String(v) });

export function int(env: string, doc: string, o: { min: number; max: number; default: number }): Setting<number>;
export function int(env: string, doc: string, o: { min: number; max: number } & Computed): Setting<number | undefined>;
export function int(env: string, doc: string, o: { min: number; max: number; default?: number; computed?: string }) {
  return setting(
    env,
    doc,
    Type.Integer({ minimum: o.min, maximum: o.max, ...(o.default !== undefined && { default: o.default }) }),
    (raw) => `${env} must be an integer between ${o.min} and ${o.max} (got "${raw}")`,
    { envDefault: o.default === undefined ? undefined : String(o.default), computedDefault: o.computed },
    { prepare: decimal },
  );
}

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

export function bool(env: string, doc: string, o?: { default: boolean }): Setting<boolean>;
export function bool(env: string, doc: string, o: Computed): Setting<boolean | undefined>;
export function bool(env: string, doc: string, o: { default?: boolean; computed?: string } = { default: false }) {
  return setting(
    env,
    doc,
    Type.Boolean(o.default !== undefined ? { default: o.default } : {}),
    (raw) => `${env} must be 1 or 0 (got "${raw}")`,
    { envDefault: o.default === undefined ? undefined : o.default ? '1' : '0', computedDefault: o.computed },
    {
      prepare: (raw) => {
        const v = raw.toLowerCase();
        return TRUE.includes(v) ? true : FALSE.includes(v) ? false : raw;
      },
    },
  );
}

export function str(env: string, doc: string, o: Common & { default: string }): Setting<string>;
export function str(env: string, doc: string, o?: Common): Setting<string | undefined>;
export function str(env: string, doc: string, o: Common & { default?: string } = {}) {
  return setting(
    env,
    doc,
    Type.String(o.default !== undefined ? { default: o.default } : {}),
    (raw) => `${env} is not valid (got "${raw}")`,
    shown(o.default),
    o,
  );
}

/** An absolute URL with one of `protocols` (checked by the `protocols` keyword, see load.ts). */
export function url(env: string, doc: string, o: Common & { protocols: string[]; default: string }): Setting<string>;
export function url(env: string, doc: string, o: Common & { protocols: string[] }): Setting<string | undefined>;
export function url(env: string, doc: string, o: Common & { protocols: string[]; default?: string }) {
  return setting(
    env,
    doc,
    Type.String({ protocols: o.protocols, ...(o.default !== undefined && { default: o.default }) }),
    (raw) => (canParse(raw) ? `${env} must be a ${o.protocols.join(' or ')} URL` : `${env} is not a valid URL`),
    shown(o.default),
    o,
  );
}

export function oneOf<const V extends string>(
  env: string,
  doc: string,
  values: readonly V[],
  o: { default: V; lowercase?: boolean },
): Setting<V>;
export function oneOf<const V extends string>(env: string, doc: string, values: readonly V[]): Setting<V | undefined>;
export function oneOf(
  env: string,
  doc: string,
  values: readonly string[],
  o?: { default: string; lowercase?: boolean },
) {
  return setting(
    env,
    doc,
    Type.Union(
      values.map((v) => Type.Literal(v)),
      o ? { default: o.default } : {},
    ),
    (raw) => `${env} must be one of ${values.join(', ')} (got "${raw}")`,
    shown(o?.default),
    { prepare: o?.lowercase ? (raw) => raw.toLowerCase() : identity },
  );
}

const MAX_HOURS = 8760;

/** A number of hours (fractions allowed), at most a year. */
export function hours(env: string, doc: string, def: number): Setting<number> {
  return setting(
    env,
    doc,
    Type.Number({ minimum: 0, maximum: MAX_HOURS, default: def }),
    (raw) => `${env} must be a number of hours between 0 and ${MAX_HOURS} (got "${raw}")`,
    shown(def),
    { prepare: decimal },
  );
}

/** Comma-separated whole seconds, e.g. a retry schedule; its length matters. */
export function secondsList(
  env: string,
  doc: string,
  def: readonly number[],
  o: { maxEntries: number; maxSeconds: number },
): Setting<readonly number[]> {
  return setting(
    env,
    doc,
    Type.Array(Type.Integer({ minimum: 0, maximum: o.maxSeconds }), {
      minItems: 1,
      maxItems: o.maxEntries,
      default: [...def],
    }),
    (raw) =>
      `${env} must be 1 to ${o.maxEntries} comma-separated whole seconds, each at most ${o.maxSeconds} (got "${raw}")`,
    shown(def.join(',')),
    // Each part is checked as written: "0,,5" has an empty part, which is refused.
    { prepare: (raw) => raw.split(',').map((p) => decimal(p.trim())) },
  );
}

/** Comma-separated TCP ports (1–65535), at most `maxEntries`. */
export function ports(
  env: string,
  doc: string,
  def: readonly number[],
  o: { maxEntries: number },
): Setting<readonly number[]> {
  return setting(
    env,
    doc,
    Type.Array(Type.Integer({ minimum: 1, maximum: 65535 }), {
      minItems: 1,
      maxItems: o.maxEntries,
      default: [...def],
    }),
    (raw) => `${env} must be 1 to ${o.maxEntries} comma-separated TCP ports (got "${raw}")`,
    shown(def.join(',')),
    { prepare: (raw) => splitList(raw).map(decimal) },
  );
}

const splitList = (raw: string) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** A comma-separated list; empty entries are dropped. */
export function list(env: string, doc: string, o: Common = {}): Setting<readonly string[]> {
  return setting(
    env,
    doc,
    Type.Array(Type.String(), { default: [] }),
    (raw) => `${env} is not a comma-separated list (got "${raw}")`,
    {},
    { ...o, prepare: splitList },
  );
}

/** Comma-separated browser origins such as https://app.example.com (the `origin` keyword checks each). */
export function origins(env: string, doc: string, o: Common = {}): Setting<readonly string[]> {
  return setting(
    env,
    doc,
    Type.Array(Type.String({ origin: true }), { default: [] }),
    (raw) =>
      splitList(raw).flatMap((entry) => {
        if (isBareOrigin(entry)) return [];
        return canParse(entry)
          ? [`${env} entry "${entry}" must be a bare origin like https://app.example.com`]
          : [`${env} entry "${entry}" is not a valid origin`];
      }),
    {},
    { ...o, prepare: splitList },
  );
}

/** A PEM public key; `\n` escapes (one-line environment values) become newlines. */
export function pemPublicKey(env: string, doc: string, o: Common = {}): Setting<string | undefined> {
  return setting(
    env,
    doc,
    Type.String({ pattern: '-----BEGIN PUBLIC KEY-----' }),
    () => `${env} must be a PEM public key (-----BEGIN PUBLIC KEY-----)`,
    {},
    { ...o, prepare: (raw) => raw.replace(/\\n/g, '\n') },
  );
}

/** WHATWG URL parsing lets spaces and control characters through in some places; a setting never has them. */
const UNPRINTABLE = /[\s\p{Cc}]/u;

function canParse(value: string): boolean {
  if (UNPRINTABLE.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

export function hasProtocol(value: string, protocols: readonly string[]): boolean {
  return canParse(value) && protocols.includes(new URL(value).protocol);
}

export function isBareOrigin(value: string): boolean {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

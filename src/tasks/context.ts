// Torale's task `context`: any JSON object the owner attaches (its agent skill stores the
// user's request and what to do when the condition is met), returned on the task and handed
// to webhook receivers as `data.context`. Torale bounds nothing (and answers 500 on any
// non-null context); we take objects up to 16 KiB of JSON and 10 levels deep, and refuse what
// PostgreSQL's jsonb cannot store (NUL, lone surrogates) with a 422 rather than a 500.
import { Errors } from '../errors.js';

export const CONTEXT_LIMITS = { bytes: 16 * 1024, depth: 10 } as const;

export type TaskContext = Record<string, unknown>;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

type Problem = { type: string; msg: string };

const badText = (s: string): Problem | undefined => {
  if (s.includes('\u0000')) return { type: 'string_pattern_mismatch', msg: 'String should not contain NUL characters' };
  if (LONE_SURROGATE.test(s))
    return { type: 'string_unicode', msg: 'String should be valid Unicode (no lone surrogates)' };
  return undefined;
};

/** The first problem found, looking no deeper than the limit (so a hostile nesting costs nothing). */
function inspect(value: unknown, depth: number): Problem | undefined {
  if (typeof value === 'string') return badText(value);
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > CONTEXT_LIMITS.depth) {
    return { type: 'too_deep', msg: `Context should be nested at most ${CONTEXT_LIMITS.depth} levels deep` };
  }
  const entries = Array.isArray(value) ? value.map((v) => ['', v] as const) : Object.entries(value);
  for (const [key, v] of entries) {
    const p = badText(key) ?? inspect(v, depth + 1);
    if (p) return p;
  }
  return undefined;
}

/**
 * The context as stored (JSON text), or null; throws the 422 of a context that is too large,
 * too deep or not storable. The schema has already checked that it is an object or null.
 */
export function contextJson(context: TaskContext | null): string | null {
  if (context === null) return null;
  const problem = inspect(context, 1);
  const text = problem ? '' : JSON.stringify(context);
  const tooLarge = !problem && Buffer.byteLength(text) > CONTEXT_LIMITS.bytes;
  const issue =
    problem ??
    (tooLarge ? { type: 'too_long', msg: `Context should be at most ${CONTEXT_LIMITS.bytes} bytes of JSON` } : null);
  if (issue) throw Errors.validation([{ ...issue, loc: ['body', 'context'] }]);
  return text;
}

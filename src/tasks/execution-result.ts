// The stored shape of a run's outcome, as Torale stores it (its scheduler writes the agent's
// answer into task_executions.result and grounding_sources), so that Torale's dashboard, SDK
// and webhook receivers read our rows as they read theirs. Written by the run handler and by
// the Torale import; the migration 2026_12_07_0100 converted rows written before.

/** A source backing the evidence: Torale's dashboard renders `title`, links `url`. */
export interface GroundingSource {
  url: string;
  title: string;
}

/** Torale's ToolAnnotations: MCP hints passed through, each `null` when the agent gave none. */
export interface ToolAnnotations {
  readOnlyHint: boolean | null;
  destructiveHint: boolean | null;
  idempotentHint: boolean | null;
}

/** One step the agent took, with every key of Torale's ActivityStep (`null` where unset). */
export interface ActivityStep {
  tool: string;
  detail: string;
  connector_slug: string | null;
  annotations: ToolAnnotations | null;
}

export interface ExecutionResult {
  evidence: string;
  notification: string | null;
  confidence: number | null;
  next_run: string | null;
  grounding_sources: GroundingSource[];
  activity: ActivityStep[];
  metadata: { changed: boolean; current_state: null };
  notification_failed: boolean;
  auto_complete_failed: boolean;
  /** Gateway addition: the short title the agent suggested. */
  topic: string | null;
}

const MAX_SOURCES = 50;
const MAX_URL_LENGTH = 2048;
const MAX_ACTIVITY = 50;
const MAX_STEP_TEXT = 1000;

/** The URL's host, as Torale titles a source; the text itself when it is not a URL. */
function titleOf(url: string): string {
  try {
    const host = new URL(url).host;
    if (host) return host;
  } catch {
    // not an absolute URL: Torale titles it with the text itself
  }
  return url;
}

// PostgreSQL's jsonb refuses NUL, and a lone surrogate cannot be stored either.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const storable = (s: string) => s.replaceAll('\u0000', '').replace(LONE_SURROGATE, '\uFFFD');

/**
 * The agent's sources (URL strings, as Torale's agent sends them, or `{url, title?}` objects)
 * as Torale's `[{url, title}]`. What has no usable URL text is dropped: Torale's dashboard
 * builds `new URL(url)` when a title is missing, and an empty one breaks its page.
 */
export function toGroundingSources(raw: unknown): GroundingSource[] {
  if (!Array.isArray(raw)) return [];
  const out: GroundingSource[] = [];
  for (const item of raw) {
    const obj = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : undefined;
    const rawUrl = typeof item === 'string' ? item : obj && typeof obj.url === 'string' ? obj.url : '';
    const url = storable(rawUrl.trim()).slice(0, MAX_URL_LENGTH);
    if (!url) continue;
    const given = obj && typeof obj.title === 'string' ? storable(obj.title.trim()).slice(0, MAX_URL_LENGTH) : '';
    out.push({ url, title: given || titleOf(url) });
    if (out.length === MAX_SOURCES) break;
  }
  return out;
}

const hint = (v: unknown) => (typeof v === 'boolean' ? v : null);

function toAnnotations(raw: unknown): ToolAnnotations | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const a = raw as Record<string, unknown>;
  return {
    readOnlyHint: hint(a.readOnlyHint),
    destructiveHint: hint(a.destructiveHint),
    idempotentHint: hint(a.idempotentHint),
  };
}

/** The agent's steps as Torale stores them (its ActivityStep, every key present; bounded). */
export function toActivity(raw: unknown): ActivityStep[] {
  if (!Array.isArray(raw)) return [];
  const steps: ActivityStep[] = [];
  for (const s of raw.slice(0, MAX_ACTIVITY)) {
    if (typeof s !== 'object' || s === null) continue;
    const { tool, detail, connector_slug, annotations } = s as Record<string, unknown>;
    if (typeof tool === 'string' && typeof detail === 'string') {
      steps.push({
        tool: storable(tool).slice(0, 200),
        detail: storable(detail).slice(0, MAX_STEP_TEXT),
        connector_slug: typeof connector_slug === 'string' ? storable(connector_slug).slice(0, 100) : null,
        annotations: toAnnotations(annotations),
      });
    }
  }
  return steps;
}

export interface AgentOutcome {
  evidence: string;
  notification: string | null;
  confidence: number | null;
  /** The next check as decided (null = monitoring ends). */
  nextRun: Date | null;
  sources: unknown;
  activity?: unknown;
  topic: string | null;
}

/** What a successful run stores in `result` (its `grounding_sources` also go to their own column). */
export function toExecutionResult(o: AgentOutcome): ExecutionResult {
  return {
    evidence: storable(o.evidence),
    notification: o.notification === null ? null : storable(o.notification),
    confidence: o.confidence,
    next_run: o.nextRun ? o.nextRun.toISOString() : null,
    grounding_sources: toGroundingSources(o.sources),
    activity: toActivity(o.activity),
    metadata: { changed: o.notification !== null, current_state: null },
    notification_failed: false,
    auto_complete_failed: false,
    topic: o.topic === null ? null : storable(o.topic),
  };
}

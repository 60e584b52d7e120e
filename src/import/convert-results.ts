// An execution's findings in the gateway's stored shape (Torale's own, CONTRACT "Torale's
// wire"): grounding_sources as [{url, title}] (title = the URL's host unless one is given),
// result as {evidence, notification, confidence, next_run, grounding_sources, activity,
// metadata: {changed, current_state}, notification_failed, auto_complete_failed, topic} plus
// whatever else Torale merged into it (reschedule_failed, ...). A run that produced nothing
// (Torale resets result to {} when a run starts) has no result.

export interface Source {
  url: string;
  title: string;
}

function hostOf(url: string): string {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^/?#]*@)?([^/?#]+)/.exec(url);
  return m?.[1]?.toLowerCase() ?? '';
}

/** Strings (older rows) and {url, title} objects alike; anything without a URL is left out. */
export function groundingSources(raw: unknown): Source[] {
  if (!Array.isArray(raw)) return [];
  const out: Source[] = [];
  for (const s of raw) {
    const url = (typeof s === 'string' ? s : s && typeof s === 'object' ? (s as { url?: unknown }).url : undefined) as
      | string
      | undefined;
    if (typeof url !== 'string' || url.trim() === '') continue;
    const given = s && typeof s === 'object' ? (s as { title?: unknown }).title : undefined;
    const title = typeof given === 'string' && given.trim() !== '' ? given.trim() : hostOf(url.trim()) || url.trim();
    out.push({ url: url.trim(), title });
  }
  return out;
}

export function executionResult(
  status: string,
  raw: unknown,
  notification: string | null,
  sources: Source[],
): Record<string, unknown> | null {
  const r = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null;
  if (!r || (Object.keys(r).length === 0 && status !== 'success')) return null;
  const { sources: _old, ...rest } = r;
  const text = notification ?? (typeof r.notification === 'string' ? r.notification : null);
  return {
    ...rest,
    evidence: typeof r.evidence === 'string' ? r.evidence : '',
    notification: text,
    confidence: r.confidence ?? null,
    next_run: r.next_run ?? null,
    grounding_sources: sources,
    activity: Array.isArray(r.activity) ? r.activity : [],
    metadata: { changed: text !== null, current_state: null },
    notification_failed: r.notification_failed ?? false,
    auto_complete_failed: r.auto_complete_failed ?? false,
    topic: r.topic ?? null,
  };
}

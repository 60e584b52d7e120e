// An execution's findings in the gateway's stored shape (src/tasks/execution-result.ts, which is
// Torale's own): grounding_sources as [{url, title}], result as {evidence, notification,
// confidence, next_run, grounding_sources, activity, metadata: {changed, current_state},
// notification_failed, auto_complete_failed, topic}, keeping whatever else Torale merged into it
// (reschedule_failed, ...). A run that produced nothing (Torale resets result to {} when a run
// starts) has no result.
import { type GroundingSource, toActivity, toGroundingSources } from '../tasks/execution-result.js';

export const groundingSources = (raw: unknown): GroundingSource[] => toGroundingSources(raw);

export function executionResult(
  status: string,
  raw: unknown,
  notification: string | null,
  sources: GroundingSource[],
): Record<string, unknown> | null {
  const r = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null;
  if (!r || (Object.keys(r).length === 0 && status !== 'success')) return null;
  const { sources: _old, ...rest } = r;
  const text = notification ?? (typeof r.notification === 'string' ? r.notification : null);
  return {
    ...rest,
    evidence: typeof r.evidence === 'string' ? r.evidence : '',
    notification: text,
    confidence: typeof r.confidence === 'number' ? r.confidence : null,
    next_run: typeof r.next_run === 'string' ? r.next_run : null,
    grounding_sources: sources,
    activity: toActivity(r.activity),
    metadata: { changed: text !== null, current_state: null },
    notification_failed: r.notification_failed === true,
    auto_complete_failed: r.auto_complete_failed === true,
    topic: typeof r.topic === 'string' ? r.topic : null,
  };
}

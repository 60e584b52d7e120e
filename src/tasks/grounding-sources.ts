// The sources a run found, as links: the one reader of an execution's grounding sources,
// whichever shape they were stored in (the agent's URL strings, or Torale's {url, title}
// with the title defaulting to the URL's host). Only http(s) URLs are links; anything else
// is dropped rather than shown as a link someone could click.
import type { GroundingSource } from './execution-result.js';

export type { GroundingSource };

function asLink(url: unknown, title: unknown): GroundingSource | undefined {
  if (typeof url !== 'string') return undefined;
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
  const t = typeof title === 'string' && title.trim() ? title.trim() : u.host;
  return { url: u.toString(), title: t };
}

export function groundingSourcesOf(raw: unknown): GroundingSource[] {
  if (!Array.isArray(raw)) return [];
  const out: GroundingSource[] = [];
  for (const s of raw) {
    const o = s as { url?: unknown; uri?: unknown; title?: unknown } | null;
    const link = typeof s === 'string' ? asLink(s, undefined) : o && asLink(o.url ?? o.uri, o.title);
    if (link && !out.some((x) => x.url === link.url)) out.push(link);
  }
  return out;
}

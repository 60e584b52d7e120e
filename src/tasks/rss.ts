// RSS 2.0 of a public task's findings, built as Torale's `GET /tasks/{id}/rss` builds it (so
// feed readers subscribed to Torale keep working): one item per successful run, newest first,
// titled with its notification (else the start of its evidence), described by the evidence and
// its http(s) sources, "Condition Met" as the category of runs that notified.
import type { ExecutionRow } from '../db/types.js';

export interface RssTask {
  id: string;
  name: string;
  condition_description: string;
}

// XML 1.0 forbids most control characters (Torale writes them through and produces a feed no
// reader parses); they are dropped here. Markup characters are escaped as ElementTree does.
const INVALID_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const xml = (s: string) => s.replace(INVALID_XML, '').replace(/[&<>"]/g, (c) => ESCAPES[c] as string);

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** RFC 2822 in UTC, as Python's email.utils.format_datetime writes it (`Mon, 07 Dec 2026 21:00:00 +0000`). */
export function rfc2822(d: Date): string {
  return `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(
    d.getUTCHours(),
  )}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

const evidenceOf = (result: unknown): string => {
  const e = result && typeof result === 'object' ? (result as { evidence?: unknown }).evidence : undefined;
  return typeof e === 'string' ? e : '';
};

function item(e: ExecutionRow, taskLink: string): string {
  const evidence = evidenceOf(e.result);
  const completed = e.completed_at ?? e.started_at;
  const title =
    e.notification ||
    (evidence ? evidence.slice(0, 100) + (evidence.length > 100 ? '...' : '') : `Execution ${completed.toISOString()}`);
  const description: string[] = [];
  if (evidence) description.push(evidence);
  if (e.grounding_sources.length > 0) {
    description.push('\n\nSources:');
    for (const s of e.grounding_sources) {
      if (/^https?:\/\//.test(s.url)) description.push(`- ${s.title || s.url}: ${s.url}`);
    }
  }
  return [
    '<item>',
    `<title>${xml(title)}</title>`,
    `<link>${xml(taskLink)}</link>`,
    `<guid isPermaLink="false">${e.id}</guid>`,
    `<pubDate>${rfc2822(completed)}</pubDate>`,
    `<description>${xml(description.join('\n'))}</description>`,
    e.notification ? '<category>Condition Met</category>' : '',
    '</item>',
  ].join('');
}

/** The whole document; `frontendUrl` is where the task's page lives, `feedUrl` this feed's own URL. */
export function taskRss(task: RssTask, runs: readonly ExecutionRow[], frontendUrl: string, feedUrl: string): string {
  const taskLink = `${frontendUrl.replace(/\/+$/, '')}/tasks/${task.id}`;
  return [
    "<?xml version='1.0' encoding='utf-8'?>\n",
    // One xmlns:atom (Torale's declares it twice, which strict XML parsers refuse).
    '<rss xmlns:atom="http://www.w3.org/2005/Atom" version="2.0"><channel>',
    `<title>${xml(`${task.name} - Torale Monitor`)}</title>`,
    `<link>${xml(taskLink)}</link>`,
    `<description>${xml(`Monitoring results for: ${task.condition_description}`)}</description>`,
    '<language>en-us</language>',
    `<atom:link rel="self" type="application/rss+xml" href="${xml(feedUrl)}" />`,
    ...runs.map((e) => item(e, taskLink)),
    '</channel></rss>',
  ].join('');
}

// What each email says, as plain text and HTML. Subject lines are Torale's (its Novu
// workflows: torale-condition-met, torale-task-welcome, torale-email-verification). The
// agent's answer is markdown from outside: it is rendered with raw HTML off (tags show as
// text), only http(s)/mailto links survive, and everything else we put in the HTML is escaped.
import MarkdownIt from 'markdown-it';
import type { EmailMessage } from '../db/types.js';
import type { GroundingSource } from '../tasks/grounding-sources.js';

export interface RenderedEmail extends EmailMessage {
  subject: string;
}

export interface Links {
  /** The dashboard, without a trailing slash. */
  dashboardUrl: string;
}

const markdown = new MarkdownIt({ html: false, linkify: true, breaks: true });
markdown.validateLink = (url) => /^(https?:|mailto:)/i.test(url.trim());

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);

/** A header value on one line (a task name may hold anything a user typed). */
const oneLine = (s: string) =>
  [...s]
    .map((c) => (c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127 ? ' ' : c))
    .join('')
    .replace(/ {2,}/g, ' ')
    .trim();

export const SUBJECTS = {
  conditionMet: (taskName: string) => oneLine(`${taskName} - Condition Met!`),
  welcome: (taskName: string) => oneLine(`Your Torale task "${taskName}" is set up!`),
  verification: () => 'Verify your email for Torale notifications',
  webhookDisabled: (taskName: string) => oneLine(`Webhook disabled for "${taskName}"`),
} as const;

export function renderMarkdown(text: string): string {
  return markdown.render(text.replaceAll(String.fromCharCode(0), ''));
}

/** "December 8, 2026 at 3:00 PM UTC", or null for no (or no valid) time. */
export function formatWhen(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  return `${d.toLocaleString('en-US', { timeZone: 'UTC', dateStyle: 'long', timeStyle: 'short' })} UTC`;
}

/** The agent reports 0–1 or 0–100. */
export function formatConfidence(c: unknown): string | null {
  if (typeof c !== 'number' || !Number.isFinite(c) || c < 0) return null;
  return `${Math.round(c <= 1 ? c * 100 : Math.min(c, 100))}%`;
}

const taskUrl = (l: Links, taskId: string) => `${l.dashboardUrl}/tasks/${encodeURIComponent(taskId)}`;
const settingsUrl = (l: Links) => `${l.dashboardUrl}/settings/notifications`;

function page(title: string, body: string, footer: string): string {
  return [
    '<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
    `<title>${escapeHtml(title)}</title></head>`,
    '<body style="margin:0;padding:24px;background:#f9fafb;font-family:-apple-system,Segoe UI,Roboto,sans-serif;color:#18181b">',
    '<div style="max-width:600px;margin:0 auto;background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:28px">',
    body,
    '</div>',
    `<div style="max-width:600px;margin:12px auto 0;font-size:12px;color:#71717a">${footer}</div>`,
    '</body></html>',
  ].join('');
}

function sourcesBlock(sources: readonly GroundingSource[]): { text: string; html: string } {
  if (sources.length === 0) return { text: '', html: '' };
  const shown = sources.slice(0, 5);
  return {
    text: `\nSources:\n${shown.map((s) => `- ${s.title}: ${s.url}`).join('\n')}\n`,
    html: `<h3 style="font-size:13px;margin:20px 0 6px">Sources</h3><ul style="padding-left:18px;margin:0">${shown
      .map((s) => `<li><a href="${escapeHtml(s.url)}">${escapeHtml(s.title)}</a></li>`)
      .join('')}</ul>`,
  };
}

/** Every task email ends the same way: where to change what this task sends. */
function taskFooter(l: Links, taskId: string): { text: string; html: string; headers: Record<string, string> } {
  const url = taskUrl(l, taskId);
  return {
    text: `\n--\nYou get this because a Torale monitor of yours notifies this address.\nChange or stop this monitor's notifications: ${url}\nNotification settings: ${settingsUrl(l)}\n`,
    html: `You get this because a Torale monitor of yours notifies this address. <a href="${escapeHtml(url)}">Change or stop this monitor's notifications</a> · <a href="${escapeHtml(settingsUrl(l))}">Notification settings</a>`,
    headers: { 'List-Unsubscribe': `<${url}>`, 'X-Torale-Task-Id': taskId },
  };
}

export interface ConditionMetInput {
  taskId: string;
  taskName: string;
  searchQuery: string;
  answer: string;
  sources: readonly GroundingSource[];
  nextRun: string | null;
  confidence: unknown;
}

export function conditionMetEmail(i: ConditionMetInput, l: Links): RenderedEmail {
  const src = sourcesBlock(i.sources);
  const foot = taskFooter(l, i.taskId);
  const next = formatWhen(i.nextRun);
  const conf = formatConfidence(i.confidence);
  const facts = [conf && `Confidence: ${conf}`, next && `Next check: ${next}`].filter(Boolean) as string[];
  const subject = SUBJECTS.conditionMet(i.taskName);
  return {
    subject,
    text: `${i.taskName}: the condition you are watching for is met.\n\nWatching: ${i.searchQuery}\n\n${i.answer}\n${src.text}${facts.length ? `\n${facts.join('\n')}\n` : ''}\nSee the task: ${taskUrl(l, i.taskId)}\n${foot.text}`,
    html: page(
      subject,
      `<h1 style="font-size:20px;margin:0 0 4px">Condition met</h1><p style="margin:0 0 16px;color:#52525b">${escapeHtml(i.taskName)}</p>` +
        `<p style="font-size:13px;color:#71717a;margin:0 0 12px">Watching: ${escapeHtml(i.searchQuery)}</p>` +
        `<div style="line-height:1.6">${renderMarkdown(i.answer)}</div>${src.html}` +
        facts.map((f) => `<p style="font-size:13px;color:#52525b;margin:12px 0 0">${escapeHtml(f)}</p>`).join('') +
        `<p style="margin:20px 0 0"><a href="${escapeHtml(taskUrl(l, i.taskId))}">See the task</a></p>`,
      foot.html,
    ),
    headers: foot.headers,
  };
}

export interface WelcomeInput extends ConditionMetInput {
  conditionMet: boolean;
}

export function welcomeEmail(i: WelcomeInput, l: Links): RenderedEmail {
  const src = sourcesBlock(i.sources);
  const foot = taskFooter(l, i.taskId);
  const next = formatWhen(i.nextRun) ?? 'none scheduled';
  const status = i.conditionMet ? 'The condition is already met.' : 'The condition is not met yet: we keep watching.';
  const subject = SUBJECTS.welcome(i.taskName);
  return {
    subject,
    text: `Your task is live: we just completed its first check.\n\nWhat we are watching: ${i.searchQuery}\n\n${status}\n\nFirst answer:\n${i.answer}\n${src.text}\nNext check: ${next}\n\nSee the task: ${taskUrl(l, i.taskId)}\n${foot.text}`,
    html: page(
      subject,
      `<h1 style="font-size:20px;margin:0 0 4px">Your task is live</h1><p style="margin:0 0 16px;color:#52525b">${escapeHtml(i.taskName)}</p>` +
        `<p>We just completed its first check.</p><p style="font-size:13px;color:#71717a">What we are watching: ${escapeHtml(i.searchQuery)}</p>` +
        `<p><strong>${escapeHtml(status)}</strong></p><h3 style="font-size:13px;margin:16px 0 6px">First answer</h3>` +
        `<div style="line-height:1.6">${renderMarkdown(i.answer)}</div>${src.html}` +
        `<p style="font-size:13px;color:#52525b;margin:16px 0 0">Next check: ${escapeHtml(next)}</p>` +
        `<p style="margin:20px 0 0"><a href="${escapeHtml(taskUrl(l, i.taskId))}">See the task</a></p>`,
      foot.html,
    ),
    headers: foot.headers,
  };
}

export function verificationEmail(i: { code: string; userName: string; minutes: number }, l: Links): RenderedEmail {
  const subject = SUBJECTS.verification();
  return {
    subject,
    text: `Hi ${i.userName},\n\nYour Torale verification code is: ${i.code}\n\nIt is valid for ${i.minutes} minutes. Enter it where you added this address to receive Torale notifications here.\n\nIf you did not ask for this, ignore this email: nothing is sent to this address unless the code is entered.\n`,
    html: page(
      subject,
      `<p>Hi ${escapeHtml(i.userName)},</p><p>Your Torale verification code is:</p>` +
        `<p style="font-size:28px;letter-spacing:6px;font-weight:700;margin:8px 0 16px">${escapeHtml(i.code)}</p>` +
        `<p>It is valid for ${i.minutes} minutes. Enter it where you added this address to receive Torale notifications here.</p>` +
        '<p style="color:#71717a;font-size:13px">If you did not ask for this, ignore this email: nothing is sent to this address unless the code is entered.</p>',
      `<a href="${escapeHtml(settingsUrl(l))}">Notification settings</a>`,
    ),
    headers: {},
  };
}

export function webhookDisabledEmail(
  i: { taskId: string; taskName: string; url: string; detail: string },
  l: Links,
): RenderedEmail {
  const foot = taskFooter(l, i.taskId);
  const subject = SUBJECTS.webhookDisabled(i.taskName);
  return {
    subject,
    text: `The webhook of your task "${i.taskName}" was turned off.\n\n${i.detail}\n\nSave the webhook on the task again to turn it back on: ${taskUrl(l, i.taskId)}\n${foot.text}`,
    html: page(
      subject,
      `<h1 style="font-size:20px;margin:0 0 12px">Webhook turned off</h1><p>The webhook of your task <strong>${escapeHtml(i.taskName)}</strong> (${escapeHtml(i.url)}) was turned off.</p>` +
        `<p>${escapeHtml(i.detail)}</p><p><a href="${escapeHtml(taskUrl(l, i.taskId))}">Save the webhook again to turn it back on</a></p>`,
      foot.html,
    ),
    headers: foot.headers,
  };
}

// docs/configuration.md's table and .env.example, written from the settings table so
// neither can drift from it (npm run config:docs writes them; a test checks them).
import { SETTING_LIST } from './config.js';
import type { Setting } from './kinds.js';

export const README_BEGIN = '<!-- config:begin (npm run config:docs writes this table from src/config/settings.ts) -->';
export const README_END = '<!-- config:end -->';

const byGroup = (): Map<string, Setting[]> => {
  const groups = new Map<string, Setting[]>();
  for (const [group, , s] of SETTING_LIST) groups.set(group, [...(groups.get(group) ?? []), s]);
  return groups;
};

const cell = (text: string) => text.replace(/\|/g, '\\|');
const shownDefault = (s: Setting) => s.computedDefault ?? (s.envDefault !== undefined ? `\`${s.envDefault}\`` : '—');

/** Markdown: one table per concern, every variable with its meaning and default. */
export function readmeTable(): string {
  const parts: string[] = [];
  for (const [group, settings] of byGroup()) {
    parts.push(`**${group}**`, '', '| variable | meaning | default |', '|---|---|---|');
    for (const s of settings) parts.push(`| \`${s.env}\` | ${cell(s.doc)} | ${cell(shownDefault(s))} |`);
    parts.push('');
  }
  return parts.join('\n').trimEnd();
}

/** Every variable, commented out at its default (or a sample), under its concern. */
export function envExample(): string {
  const lines = [
    '# Copy to .env and uncomment what you change. Written by `npm run config:docs` from',
    '# src/config/settings.ts: each line shows the default (or a sample); docs/configuration.md explains each.',
  ];
  for (const [group, settings] of byGroup()) {
    lines.push('', `# --- ${group} ---`);
    for (const s of settings) lines.push(`# ${s.env}=${s.envDefault ?? s.example ?? ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `readme` with its table replaced; undefined when the markers are missing. */
export function withReadmeTable(readme: string): string | undefined {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin) return undefined;
  return `${readme.slice(0, begin + README_BEGIN.length)}\n\n${readmeTable()}\n\n${readme.slice(end)}`;
}

// docs/configuration.md's table and .env.example are written from src/config/settings.ts
// (npm run config:docs); this fails when either drifts from it, so no setting goes
// undocumented and no documented variable is one the gateway ignores.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTING_LIST } from '../../src/config/config.js';
import { envExample, withReadmeTable } from '../../src/config/docs.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const variables = SETTING_LIST.map(([, , s]) => s.env);

describe('the settings table', () => {
  it('names each variable once, with a one-line doc', () => {
    expect(new Set(variables).size).toBe(variables.length);
    for (const [, , s] of SETTING_LIST) {
      expect(s.env, s.env).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(s.doc.length, s.env).toBeGreaterThan(5);
      expect(s.doc, s.env).not.toContain('\n');
    }
  });

  it('holds no benchmark-only switch (benchmarks configure their own processes)', () => {
    expect(variables.filter((v) => /BENCH/.test(v))).toEqual([]);
  });
});

describe('generated documents', () => {
  it('docs/configuration.md is the table written from the settings (npm run config:docs)', () => {
    const readme = read('docs/configuration.md');
    expect(withReadmeTable(readme)).toBe(readme);
    for (const v of variables) expect(readme).toContain(`| \`${v}\` |`);
  });

  it('.env.example is written from the settings, every variable in it', () => {
    const example = read('.env.example');
    expect(example).toBe(envExample());
    const listed = [...example.matchAll(/^# ([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect(listed).toEqual(variables);
  });

  it('.env.example as a .env file changes nothing: every line is a comment', () => {
    const active = read('.env.example')
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'));
    expect(active).toEqual([]);
  });
});

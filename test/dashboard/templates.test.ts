// Task templates (dashboard: "Need inspiration?" in the create dialog): seeded by migration
// with stable ids, public, read-only; REST and GraphQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemplateDocument, TemplatesDocument } from '../gql/graphql.js';
import type { TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { codeOf, gql } from '../helpers/gql.js';
import { signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway());
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

const IPHONE = 'ef60451e-f057-5cf5-9bbf-e4a138c377c5';
const IN_ORDER = [
  ['Careers', 'Anthropic Jobs'],
  ['Finance', 'Mortgage Rate Drop'],
  ['Gaming', 'GTA VI Release Date'],
  ['Nature', 'Northern Lights London'],
  ['Photography', 'Vintage Film Restock'],
  ['Space', 'SpaceX Starship Launch'],
  ['Tech', 'iPhone 18 Rumors'],
  ['Travel', 'Weekend Train Strikes'],
];

describe('GET /api/v1/templates/', () => {
  it("lists Torale's 8 templates by category then name, with the fields the dashboard reads, without credentials", async () => {
    for (const url of ['/api/v1/templates/', '/api/v1/templates']) {
      const res = await rest(t.app, 'GET', url, {});
      expect(res.status).toBe(200);
      expect(res.body.map((x: { category: string; name: string }) => [x.category, x.name])).toEqual(IN_ORDER);
    }
    const res = await rest(t.app, 'GET', '/api/v1/templates/', {});
    const iphone = res.body.find((x: { id: string }) => x.id === IPHONE);
    expect(Object.keys(iphone).sort()).toEqual(
      [
        'id',
        'name',
        'description',
        'category',
        'icon',
        'search_query',
        'condition_description',
        'is_active',
        'created_at',
        'updated_at',
      ].sort(),
    );
    // TaskCreationDialog reads id, name, category, search_query, condition_description.
    expect(iphone).toMatchObject({
      name: 'iPhone 18 Rumors',
      description: 'Weekly digest of credible iPhone 18 leaks and specs',
      category: 'Tech',
      icon: '📱',
      search_query: 'What are the latest credible rumors and leaks for the iPhone 18 lineup?',
      condition_description: 'New credible leaks about specs, design, or release timing from major sources',
      is_active: true,
    });
    expect(iphone.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);
    expect(new Set(res.body.map((x: { id: string }) => x.id)).size).toBe(8);
  });

  it('filters by exact, case-sensitive category; an empty category means all', async () => {
    const tech = await rest(t.app, 'GET', '/api/v1/templates/?category=Tech', {});
    expect(tech.body.map((x: { id: string }) => x.id)).toEqual([IPHONE]);
    expect((await rest(t.app, 'GET', '/api/v1/templates/?category=tech', {})).body).toEqual([]);
    expect((await rest(t.app, 'GET', '/api/v1/templates/?category=', {})).body).toHaveLength(8);
  });

  it('GraphQL lists the same', async () => {
    const all = await gql(t.app, TemplatesDocument, {});
    expect(all.data?.templates.map((x) => [x.category, x.name])).toEqual(IN_ORDER);
    const tech = await gql(t.app, TemplatesDocument, { category: 'Tech' });
    expect(tech.data?.templates).toEqual([
      expect.objectContaining({ id: IPHONE, searchQuery: expect.stringContaining('iPhone 18'), icon: '📱' }),
    ]);
  });
});

describe('GET /api/v1/templates/{id}', () => {
  it('answers one template by its stable id, 404 when missing, 422 when not a UUID', async () => {
    const one = await rest(t.app, 'GET', `/api/v1/templates/${IPHONE}`, {});
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: IPHONE, name: 'iPhone 18 Rumors', category: 'Tech' });

    const missing = await rest(t.app, 'GET', '/api/v1/templates/00000000-0000-4000-8000-000000000000', {});
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Template not found' });

    const bad = await rest(t.app, 'GET', '/api/v1/templates/not-a-uuid', {});
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toEqual([
      { type: 'uuid_parsing', loc: ['path', 'template_id'], msg: 'Input should be a valid UUID' },
    ]);

    const g = await gql(t.app, TemplateDocument, { id: IPHONE });
    expect(g.data?.template).toMatchObject({ id: IPHONE, name: 'iPhone 18 Rumors' });
    expect(codeOf(await gql(t.app, TemplateDocument, { id: '00000000-0000-4000-8000-000000000000' }))).toBe(
      'NOT_FOUND',
    );
    expect(codeOf(await gql(t.app, TemplateDocument, { id: 'nope' }))).toBe('BAD_USER_INPUT');
  });

  it('a signed-in caller sees the same; an inactive template is neither listed nor found', async () => {
    const u = await signIn(t.app, clerk);
    expect((await rest(t.app, 'GET', '/api/v1/templates/', u.headers)).body).toHaveLength(8);
    await tdb.database.db.updateTable('task_templates').set({ is_active: false }).where('id', '=', IPHONE).execute();
    try {
      const list = await rest(t.app, 'GET', '/api/v1/templates/', {});
      expect(list.body.map((x: { id: string }) => x.id)).not.toContain(IPHONE);
      expect(list.body).toHaveLength(7);
      expect((await rest(t.app, 'GET', `/api/v1/templates/${IPHONE}`, {})).status).toBe(404);
    } finally {
      await tdb.database.db.updateTable('task_templates').set({ is_active: true }).where('id', '=', IPHONE).execute();
    }
  });
});

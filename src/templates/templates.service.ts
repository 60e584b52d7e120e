// Task templates: public, read-only (they change only through migrations).
import type { Kysely } from 'kysely';
import type { DB, TaskTemplateRow } from '../db/types.js';
import { Errors } from '../errors.js';
import { isUuid } from '../lib/validation.js';
import { findActiveTemplate, listActiveTemplates } from './templates.repository.js';

export type TemplatesService = ReturnType<typeof createTemplatesService>;

export function createTemplatesService({ db }: { db: Kysely<DB> }) {
  return {
    /** Active templates by category, then name; an empty category means all (as upstream). */
    async list(category?: string): Promise<TaskTemplateRow[]> {
      return listActiveTemplates(db, category || undefined);
    },

    async get(id: string): Promise<TaskTemplateRow> {
      const template = isUuid(id) ? await findActiveTemplate(db, id) : undefined;
      if (!template) throw Errors.notFound('Template not found');
      return template;
    },
  };
}

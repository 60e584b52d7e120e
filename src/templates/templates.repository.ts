// SQL for task templates, nothing else. Only active templates are ever read.
import type { Db, TaskTemplateRow } from '../db/types.js';

export async function listActiveTemplates(db: Db, category?: string): Promise<TaskTemplateRow[]> {
  let q = db.selectFrom('task_templates').selectAll().where('is_active', '=', true);
  if (category !== undefined) q = q.where('category', '=', category);
  return q.orderBy('category').orderBy('name').execute();
}

export async function findActiveTemplate(db: Db, id: string): Promise<TaskTemplateRow | undefined> {
  return db
    .selectFrom('task_templates')
    .selectAll()
    .where('id', '=', id)
    .where('is_active', '=', true)
    .executeTakeFirst();
}

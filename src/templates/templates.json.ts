// The REST JSON of a task template (Torale's field names, ISO 8601 UTC times).
import type { TaskTemplateRow } from '../db/types.js';

export const toTemplateJson = (t: TaskTemplateRow) => ({
  id: t.id,
  name: t.name,
  description: t.description,
  category: t.category,
  icon: t.icon,
  search_query: t.search_query,
  condition_description: t.condition_description,
  is_active: t.is_active,
  created_at: t.created_at.toISOString(),
  updated_at: t.updated_at.toISOString(),
});

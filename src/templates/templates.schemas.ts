// Inputs and the response shape of task templates (Torale's `TaskTemplate`), shared by the
// REST routes, OpenAPI and the GraphQL resolver.
import { type Static, Type } from '@sinclair/typebox';
import { DateTime, NullableDateTime, NullableString } from '../http/schemas.js';
import { NO_NUL_PATTERN } from '../lib/validation.js';

export const TemplatesQuery = Type.Object({
  category: Type.Optional(
    Type.String({
      maxLength: 100,
      pattern: NO_NUL_PATTERN,
      description: 'Exact, case-sensitive category (e.g. `Tech`); empty = all.',
    }),
  ),
});
export type TemplatesQuery = Static<typeof TemplatesQuery>;

export const TemplateParams = Type.Object({ template_id: Type.String({ format: 'uuid' }) });

export const TaskTemplateSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  description: Type.String(),
  category: Type.String(),
  icon: NullableString,
  search_query: Type.String(),
  condition_description: Type.String(),
  is_active: Type.Boolean(),
  created_at: DateTime,
  updated_at: NullableDateTime,
});

// REST shim for /api/v1/templates (public, no credentials needed). The dashboard asks for
// `/api/v1/templates/` with the slash; both forms are served.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { DetailSchema, ValidationErrorSchema } from '../http/schemas.js';
import { toTemplateJson } from './templates.json.js';
import { TaskTemplateSchema, TemplateParams, TemplatesQuery } from './templates.schemas.js';
import type { TemplatesService } from './templates.service.js';

export const templatesRoutes: FastifyPluginAsyncTypebox<{ templates: TemplatesService }> = async (
  app,
  { templates },
) => {
  app.get(
    '/api/v1/templates',
    {
      schema: {
        tags: ['templates'],
        summary: 'Task templates, by category then name (no credentials needed)',
        security: [],
        querystring: TemplatesQuery,
        response: { 200: Type.Array(TaskTemplateSchema), 422: ValidationErrorSchema },
      },
    },
    async (req) => (await templates.list(req.query.category)).map(toTemplateJson),
  );

  app.get(
    '/api/v1/templates/:template_id',
    {
      schema: {
        tags: ['templates'],
        summary: 'One task template (no credentials needed)',
        security: [],
        params: TemplateParams,
        response: { 200: TaskTemplateSchema, 404: DetailSchema, 422: ValidationErrorSchema },
      },
    },
    async (req) => toTemplateJson(await templates.get(req.params.template_id)),
  );
};

// REST shims for /api/v1/tasks and /api/v1/public/tasks (CONTRACT.md); rules live in
// tasks.service. Trailing slashes are accepted (the app ignores them).
import type { FastifyPluginAsync } from 'fastify';
import { authErrors, detailSchema, nullableDateTime, nullableString, validationErrorSchema } from '../http/schemas.js';
import type { Services } from '../services.js';
import { toExecutionJson, toTaskJson } from './tasks.types.js';

const anyJson = {} as const;
const idParam = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } as const;

const notificationSchema = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['email', 'webhook'] },
    address: { type: 'string' },
    url: { type: 'string' },
    method: { type: 'string' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
  },
  required: ['type'],
  additionalProperties: false,
} as const;

export const executionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    task_id: { type: 'string', format: 'uuid' },
    status: { type: 'string', enum: ['pending', 'running', 'success', 'retrying', 'failed', 'cancelled'] },
    started_at: nullableDateTime,
    completed_at: nullableDateTime,
    result: anyJson,
    error_message: nullableString,
    notification: nullableString,
    grounding_sources: anyJson,
    created_at: nullableDateTime,
  },
  required: ['id', 'task_id', 'status', 'started_at', 'completed_at', 'result', 'error_message', 'notification'],
} as const;

const outNotificationSchema = { type: 'object', additionalProperties: true } as const;

export const taskSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    user_id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    search_query: { type: 'string' },
    condition_description: { type: 'string' },
    state: { type: 'string', enum: ['active', 'paused', 'completed'] },
    next_run: nullableDateTime,
    is_public: { type: 'boolean' },
    view_count: { type: 'integer' },
    subscriber_count: { type: 'integer' },
    forked_from_task_id: nullableString,
    last_known_state: anyJson,
    last_execution_id: nullableString,
    last_execution: { anyOf: [{ type: 'null' }, executionSchema] },
    notifications: { type: 'array', items: outNotificationSchema },
    state_changed_at: nullableDateTime,
    created_at: nullableDateTime,
    updated_at: nullableDateTime,
    immediate_execution_error: nullableString,
    webhook_secret: {
      type: 'string',
      description: 'Only in the response of the request that set or changed the webhook.',
    },
  },
  required: [
    'id',
    'user_id',
    'name',
    'search_query',
    'condition_description',
    'state',
    'next_run',
    'is_public',
    'view_count',
    'subscriber_count',
    'forked_from_task_id',
    'last_known_state',
    'last_execution_id',
    'last_execution',
    'notifications',
    'state_changed_at',
    'created_at',
    'updated_at',
  ],
} as const;

const taskFields = {
  name: { type: 'string' },
  search_query: { type: 'string' },
  condition_description: { type: 'string' },
  state: { type: 'string', enum: ['active', 'paused', 'completed'] },
  run_immediately: { type: 'boolean' },
  notifications: { type: 'array', items: notificationSchema, maxItems: 10 },
} as const;

const taskErrors = {
  400: detailSchema,
  404: detailSchema,
  409: detailSchema,
  422: validationErrorSchema,
  ...authErrors,
};

export const tasksRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const tasks = services.tasks;

  app.post<{ Body: Record<string, unknown> }>(
    '/api/v1/tasks',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Create a monitoring task',
        description:
          'Send an `Idempotency-Key` header (any 1–255 visible ASCII characters of your choosing) to make retries safe: a repeat with the same key and body answers the task the first request created.',
        headers: { type: 'object', properties: { 'idempotency-key': { type: 'string' } } },
        body: { type: 'object', properties: taskFields, required: ['search_query'], additionalProperties: false },
        response: { 200: taskSchema, ...taskErrors },
      },
    },
    async (req) => {
      const idempotencyKey = req.headers['idempotency-key'];
      const { task, ...extra } = await tasks.create(req.viewer, req.body, {
        idempotencyKey: typeof idempotencyKey === 'string' ? idempotencyKey : undefined,
      });
      return toTaskJson(task, extra);
    },
  );

  app.get<{ Querystring: { state?: string } }>(
    '/api/v1/tasks',
    {
      schema: {
        tags: ['tasks'],
        summary: 'List your tasks, newest first',
        querystring: {
          type: 'object',
          properties: { state: { type: 'string', enum: ['active', 'paused', 'completed'] } },
        },
        response: { 200: { type: 'array', items: taskSchema }, ...taskErrors },
      },
    },
    async (req) => (await tasks.list(req.viewer, req.query.state)).map((t) => toTaskJson(t)),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/tasks/:id',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Get a task (yours, or anyone’s public task with notifications hidden)',
        params: idParam,
        response: { 200: taskSchema, ...taskErrors },
      },
    },
    async (req) => toTaskJson((await tasks.get(req.viewer, req.params.id)).task),
  );

  app.put<{ Params: { id: string }; Body: Record<string, unknown> }>(
    '/api/v1/tasks/:id',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Update the fields sent',
        params: idParam,
        body: { type: 'object', properties: taskFields, additionalProperties: false },
        response: { 200: taskSchema, ...taskErrors },
      },
    },
    async (req) => {
      const { task, ...extra } = await tasks.update(req.viewer, req.params.id, req.body ?? {});
      return toTaskJson(task, extra);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/tasks/:id',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Delete a task',
        params: idParam,
        response: { 204: { type: 'null', description: 'Deleted' }, ...taskErrors },
      },
    },
    async (req, reply) => {
      await tasks.remove(req.viewer, req.params.id);
      return reply.code(204).send();
    },
  );

  app.patch<{ Params: { id: string }; Body: { is_public: boolean } }>(
    '/api/v1/tasks/:id/visibility',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Make a task public or private',
        params: idParam,
        body: {
          type: 'object',
          properties: { is_public: { type: 'boolean' } },
          required: ['is_public'],
          additionalProperties: false,
        },
        response: {
          200: { type: 'object', properties: { is_public: { type: 'boolean' } }, required: ['is_public'] },
          ...taskErrors,
        },
      },
    },
    async (req) => {
      const task = await tasks.setVisibility(req.viewer, req.params.id, req.body.is_public);
      return { is_public: task.is_public };
    },
  );

  app.post<{ Params: { id: string }; Body: { name?: string } | undefined }>(
    '/api/v1/tasks/:id/fork',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Fork your task or a public one into a paused private copy',
        params: idParam,
        body: { type: ['object', 'null'], properties: { name: { type: 'string' } }, additionalProperties: false },
        response: { 200: taskSchema, ...taskErrors },
      },
    },
    async (req) => {
      const { task, ...extra } = await tasks.fork(req.viewer, req.params.id, req.body?.name);
      return toTaskJson(task, extra);
    },
  );

  app.post<{ Params: { id: string }; Querystring: { force?: boolean } }>(
    '/api/v1/tasks/:id/execute',
    {
      schema: {
        tags: ['executions'],
        summary: 'Run the task now',
        params: idParam,
        querystring: { type: 'object', properties: { force: { type: 'boolean', default: false } } },
        response: { 200: executionSchema, ...taskErrors },
      },
    },
    async (req) => toExecutionJson(await tasks.execute(req.viewer, req.params.id, req.query.force === true)),
  );

  for (const [path, notifiedOnly, summary] of [
    ['/api/v1/tasks/:id/executions', false, 'Executions of your task, newest first'],
    ['/api/v1/tasks/:id/notifications', true, 'Executions of your task that produced a notification'],
  ] as const) {
    app.get<{ Params: { id: string }; Querystring: { limit?: number } }>(
      path,
      {
        schema: {
          tags: ['executions'],
          summary,
          params: idParam,
          querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 500 } } },
          response: { 200: { type: 'array', items: executionSchema }, ...taskErrors },
        },
      },
      async (req) =>
        (await tasks.executions(req.viewer, req.params.id, req.query.limit, notifiedOnly)).map(toExecutionJson),
    );
  }

  app.get<{ Querystring: { offset?: number; limit?: number; sort_by?: string } }>(
    '/api/v1/public/tasks',
    {
      schema: {
        tags: ['public'],
        summary: 'Public tasks, notifications hidden',
        security: [],
        querystring: {
          type: 'object',
          properties: {
            offset: { type: 'integer', minimum: 0 },
            limit: { type: 'integer', minimum: 1, maximum: 100 },
            sort_by: { type: 'string', enum: ['recent', 'popular'] },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              tasks: { type: 'array', items: taskSchema },
              total: { type: 'integer' },
              offset: { type: 'integer' },
              limit: { type: 'integer' },
            },
            required: ['tasks', 'total', 'offset', 'limit'],
          },
          422: validationErrorSchema,
        },
      },
    },
    async (req) => {
      const page = await tasks.publicList({
        offset: req.query.offset,
        limit: req.query.limit,
        sort: req.query.sort_by,
      });
      return { ...page, tasks: page.tasks.map((t) => toTaskJson(t)) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/public/tasks/id/:id',
    {
      schema: {
        tags: ['public'],
        summary: 'One public task, no credentials needed',
        security: [],
        params: idParam,
        response: { 200: taskSchema, 404: detailSchema },
      },
    },
    async (req) => toTaskJson(await tasks.publicGet(req.params.id)),
  );
};

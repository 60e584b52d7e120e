// REST shims for /api/v1/tasks and /api/v1/public/tasks (CONTRACT.md); rules live in the
// services, input and response shapes in tasks.schemas.ts. Trailing slashes are accepted.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { authErrors, DetailSchema, ValidationErrorSchema } from '../http/schemas.js';
import type { ExecutionsService } from './executions.service.js';
import type { PublicTasksService } from './public-tasks.service.js';
import type { SharingService } from './sharing.service.js';
import { toExecutionJson, toTaskJson } from './tasks.json.js';
import {
  CreateTaskBody,
  ExecuteQuery,
  ExecutionSchema,
  ExecutionsQuery,
  ForkBody,
  ListTasksQuery,
  PublicTaskPageSchema,
  PublicTasksQuery,
  TaskIdParams,
  TaskSchema,
  UpdateTaskBody,
  VisibilityBody,
  VisibilitySchema,
} from './tasks.schemas.js';
import type { TasksService } from './tasks.service.js';

/** A path id Torale types as UUID: anything else is 422 `uuid_parsing`, as FastAPI answers. */
const UuidParams = Type.Object({ task_id: Type.String({ format: 'uuid' }) });

const taskErrors = {
  400: DetailSchema,
  404: DetailSchema,
  409: DetailSchema,
  422: ValidationErrorSchema,
  ...authErrors,
};

export const tasksRoutes: FastifyPluginAsyncTypebox<{
  tasks: TasksService;
  executions: ExecutionsService;
  sharing: SharingService;
  publicTasks: PublicTasksService;
}> = async (app, { tasks, executions, sharing, publicTasks }) => {
  app.post(
    '/api/v1/tasks',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Create a monitoring task',
        description:
          'Send an `Idempotency-Key` header (any 1–255 visible ASCII characters of your choosing) to make retries safe: a repeat with the same key and body answers the task the first request created.',
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String()) }),
        body: CreateTaskBody,
        response: { 200: TaskSchema, ...taskErrors },
      },
    },
    async (req) => {
      const { task, ...extra } = await tasks.create(req.viewer, req.body, {
        idempotencyKey: req.headers['idempotency-key'],
      });
      return toTaskJson(task, extra);
    },
  );

  app.get(
    '/api/v1/tasks',
    {
      schema: {
        tags: ['tasks'],
        summary: 'List your tasks, newest first',
        querystring: ListTasksQuery,
        response: { 200: Type.Array(TaskSchema), ...taskErrors },
      },
    },
    async (req) => (await tasks.list(req.viewer, req.query.state)).map((t) => toTaskJson(t)),
  );

  app.get(
    '/api/v1/tasks/:task_id',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Get a task (yours, or anyone’s public task with notifications hidden)',
        params: TaskIdParams,
        response: { 200: TaskSchema, ...taskErrors },
      },
    },
    async (req) => toTaskJson((await sharing.get(req.viewer, req.params.task_id, req.ip)).task),
  );

  // PATCH as PUT: Torale's agent skill pauses and resumes with PATCH (Torale itself has only PUT).
  for (const method of ['PUT', 'PATCH'] as const) {
    app.route({
      method,
      url: '/api/v1/tasks/:task_id',
      schema: {
        tags: ['tasks'],
        summary: method === 'PUT' ? 'Update the fields sent' : 'Update the fields sent (same as PUT)',
        params: TaskIdParams,
        body: UpdateTaskBody,
        response: { 200: TaskSchema, ...taskErrors },
      },
      handler: async (req) => {
        const { task, ...extra } = await tasks.update(req.viewer, req.params.task_id, req.body ?? {});
        return toTaskJson(task, extra);
      },
    });
  }

  app.delete(
    '/api/v1/tasks/:task_id',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Delete a task',
        params: TaskIdParams,
        response: { 204: Type.Unsafe<void>({ type: 'null', description: 'Deleted' }), ...taskErrors },
      },
    },
    async (req, reply) => {
      await tasks.remove(req.viewer, req.params.task_id);
      return reply.code(204).send();
    },
  );

  app.patch(
    '/api/v1/tasks/:task_id/visibility',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Make a task public or private',
        params: TaskIdParams,
        body: VisibilityBody,
        response: { 200: VisibilitySchema, ...taskErrors },
      },
    },
    async (req) => {
      const task = await sharing.setVisibility(req.viewer, req.params.task_id, req.body.is_public);
      return { is_public: task.is_public };
    },
  );

  app.post(
    '/api/v1/tasks/:task_id/fork',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Fork your task or a public one into a paused private copy',
        params: TaskIdParams,
        body: ForkBody,
        response: { 200: TaskSchema, ...taskErrors },
      },
    },
    async (req) => {
      const { task, ...extra } = await sharing.fork(req.viewer, req.params.task_id, req.body?.name);
      return toTaskJson(task, extra);
    },
  );

  app.post(
    '/api/v1/tasks/:task_id/execute',
    {
      schema: {
        tags: ['executions'],
        summary: 'Run the task now',
        params: TaskIdParams,
        querystring: ExecuteQuery,
        response: { 200: ExecutionSchema, ...taskErrors },
      },
    },
    async (req) => toExecutionJson(await executions.execute(req.viewer, req.params.task_id, req.query.force)),
  );

  for (const [path, notifiedOnly, summary] of [
    ['/api/v1/tasks/:task_id/executions', false, 'Executions of your task (or of a public task), newest first'],
    [
      '/api/v1/tasks/:task_id/notifications',
      true,
      'Executions of your task (or of a public task) that produced a notification',
    ],
  ] as const) {
    app.get(
      path,
      {
        schema: {
          tags: ['executions'],
          summary,
          params: TaskIdParams,
          querystring: ExecutionsQuery,
          response: { 200: Type.Array(ExecutionSchema), ...taskErrors },
        },
      },
      async (req) =>
        (await executions.list(req.viewer, req.params.task_id, req.query.limit, notifiedOnly)).map(toExecutionJson),
    );
  }

  app.get(
    '/api/v1/public/tasks',
    {
      schema: {
        tags: ['public'],
        summary: 'Public tasks, notifications hidden',
        security: [],
        querystring: PublicTasksQuery,
        response: { 200: PublicTaskPageSchema, 422: ValidationErrorSchema },
      },
    },
    async (req) => {
      const [tasks, total] = await Promise.all([publicTasks.list(req.query), publicTasks.total()]);
      return { tasks: tasks.map((t) => toTaskJson(t)), total, offset: req.query.offset, limit: req.query.limit };
    },
  );

  app.get(
    '/tasks/:task_id/rss',
    {
      schema: {
        tags: ['public'],
        summary: "RSS 2.0 of a public task's findings, no credentials needed",
        description:
          "Its last 50 successful runs, newest first, as Torale's feed builds them. 404 `Task not found` for a private or missing task.",
        security: [],
        params: UuidParams,
        response: {
          200: Type.String({ description: 'application/rss+xml' }),
          404: DetailSchema,
          422: ValidationErrorSchema,
        },
      },
    },
    async (req, reply) => {
      // Torale names its own https URL (url_for, then http→https) as the feed's self link.
      const self = `${req.protocol}://${req.host}/tasks/${req.params.task_id}/rss`.replace('http://', 'https://');
      const xml = await publicTasks.rss(req.params.task_id, self);
      return reply.type('application/rss+xml').send(xml);
    },
  );

  app.get(
    '/api/v1/public/tasks/id/:task_id',
    {
      schema: {
        tags: ['public'],
        summary: 'One public task, no credentials needed',
        security: [],
        params: TaskIdParams,
        response: { 200: TaskSchema, 404: DetailSchema, 422: ValidationErrorSchema },
      },
    },
    async (req, reply) => {
      const { task, owner } = await sharing.getPublic(req.viewer, req.params.task_id, req.ip);
      // The owner's answer depends on their credentials: never a shared cache entry.
      if (owner) reply.header('cache-control', 'private, no-store');
      return toTaskJson(task);
    },
  );
};

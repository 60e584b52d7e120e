// REST shims for the admin console's platform views and task actions, in Torale's shapes.
// Admins only (the services ask the admin guard); kept out of the OpenAPI document, as
// Torale keeps /admin out of its own.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { authErrors, DetailSchema, StringEnum, ValidationErrorSchema } from '../http/schemas.js';
import { TASK_STATES } from '../tasks/task-states.js';
import type { AdminGate } from './admin-gate.js';
import { toAdminErrorJson, toAdminExecutionJson, toAdminTaskJson, toJobJson } from './platform.json.js';
import {
  ErrorsQuery,
  ErrorsSchema,
  ExecutionsQuery,
  ExecutionsSchema,
  JobsQuery,
  JobsSchema,
  PlatformStatsSchema,
  QueriesQuery,
  QueriesSchema,
} from './platform.schemas.js';
import type { PlatformService } from './platform.service.js';
import type { TaskActionsService } from './task-actions.service.js';

const errors = { 400: DetailSchema, 404: DetailSchema, 409: DetailSchema, 422: ValidationErrorSchema, ...authErrors };
const TaskParams = Type.Object({ task_id: Type.String({ format: 'uuid' }) });
const admin = (summary: string) => ({ hide: true, tags: ['admin'], summary });

export const platformRoutes: FastifyPluginAsyncTypebox<{
  admin: Pick<AdminGate, 'requireAdmin'>;
  platform: PlatformService;
  taskActions: TaskActionsService;
}> = async (app, { admin: gate, platform, taskActions }) => {
  // Anyone but an admin is refused before the input is read (403, not a 422); the services check again.
  app.addHook('preValidation', async (req) => {
    await gate.requireAdmin(req.viewer);
  });

  app.get(
    '/admin/stats',
    {
      schema: {
        ...admin('Users, active tasks, the last 24 hours of runs and the ten most common queries'),
        response: { 200: PlatformStatsSchema, ...errors },
      },
    },
    async (req) => platform.stats(req.viewer),
  );

  app.get(
    '/admin/queries',
    {
      schema: {
        ...admin("Every user's tasks, newest first, with their run counts (a page: limit, offset)"),
        querystring: QueriesQuery,
        response: { 200: QueriesSchema, ...errors },
      },
    },
    async (req) => {
      const queries = (await platform.tasks(req.viewer, req.query)).map(toAdminTaskJson);
      return { queries, total: queries.length };
    },
  );

  app.get(
    '/admin/executions',
    {
      schema: {
        ...admin("Every user's runs, newest first, of one status or task when asked (a page: limit, offset)"),
        querystring: ExecutionsQuery,
        response: { 200: ExecutionsSchema, ...errors },
      },
    },
    async (req) => {
      const executions = (await platform.executions(req.viewer, req.query)).map(toAdminExecutionJson);
      return { executions, total: executions.length };
    },
  );

  app.get(
    '/admin/errors',
    {
      schema: {
        ...admin('Failed runs, newest first, with their error (a page: limit, offset)'),
        querystring: ErrorsQuery,
        response: { 200: ErrorsSchema, ...errors },
      },
    },
    async (req) => {
      const failed = (await platform.errors(req.viewer, req.query)).map(toAdminErrorJson);
      return { errors: failed, total: failed.length };
    },
  );

  app.get(
    '/admin/scheduler/jobs',
    {
      schema: {
        ...admin(
          "The dispatcher's schedule: each task's next run, soonest first; `due` ones have come (total and due count all)",
        ),
        querystring: JobsQuery,
        response: { 200: JobsSchema, ...errors },
      },
    },
    async (req) => {
      const s = await platform.schedule(req.viewer, req.query);
      return { jobs: s.rows.map((r) => toJobJson(r, s.now)), total: s.total, due: s.due };
    },
  );

  app.post(
    '/admin/tasks/:task_id/execute',
    {
      schema: {
        ...admin("Run Now on anyone's task (a live run is cancelled for it)"),
        params: TaskParams,
        querystring: Type.Object({ suppress_notifications: Type.Boolean({ default: false }) }),
        response: {
          200: Type.Object({
            id: Type.String(),
            task_id: Type.String(),
            status: Type.String(),
            message: Type.String(),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const exec = await taskActions.execute(req.viewer, req.params.task_id, {
        suppressNotifications: req.query.suppress_notifications,
      });
      return { id: exec.id, task_id: exec.task_id, status: exec.status, message: 'Execution started' };
    },
  );

  app.patch(
    '/admin/tasks/:task_id/state',
    {
      schema: {
        ...admin("Move anyone's task through the state machine (active ↔ paused, active → completed → active)"),
        params: TaskParams,
        body: Type.Object({ state: StringEnum(TASK_STATES) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            id: Type.String(),
            state: Type.String(),
            previous_state: Type.String(),
            message: Type.String(),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const { previous, task } = await taskActions.setState(req.viewer, req.params.task_id, req.body.state);
      return {
        id: task.id,
        state: task.state,
        previous_state: previous,
        message: `Task state updated to ${task.state}`,
      };
    },
  );

  // Torale's dashboard sends DELETE; POST is the same action (issue 28 names it so).
  for (const method of ['DELETE', 'POST'] as const) {
    app.route({
      method,
      url: '/admin/tasks/:task_id/reset',
      schema: {
        ...admin("Forget a task's finished runs of the last `days` days (1–30) and what its agent knew"),
        params: TaskParams,
        querystring: Type.Object({ days: Type.Integer({ minimum: 1, maximum: 30, default: 1 }) }),
        response: {
          200: Type.Object({
            status: Type.Literal('reset'),
            task_id: Type.String(),
            executions_deleted: Type.Integer(),
            days: Type.Integer(),
          }),
          ...errors,
        },
      },
      handler: async (req) => {
        const deleted = await taskActions.reset(req.viewer, req.params.task_id, req.query.days);
        return {
          status: 'reset' as const,
          task_id: req.params.task_id,
          executions_deleted: deleted,
          days: req.query.days,
        };
      },
    });
  }
};

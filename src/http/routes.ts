// Every REST route plugin, in one list (app.ts registers this once).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { apiKeysRoutes } from '../api-keys/api-keys.routes.js';
import { connectorsRoutes } from '../connectors/connectors.routes.js';
import type { Services } from '../container.js';
import { feedRoutes } from '../feed/feed.routes.js';
import { notificationsRoutes } from '../notifications/notifications.routes.js';
import { securityRoutes } from '../security/security.routes.js';
import { securityHooksRoutes } from '../security/security-hooks.routes.js';
import { tasksRoutes } from '../tasks/tasks.routes.js';
import { templatesRoutes } from '../templates/templates.routes.js';
import { usersRoutes } from '../users/users.routes.js';
import { taskWebhooksRoutes } from '../webhooks/task-webhooks.routes.js';
import { webhooksRoutes } from '../webhooks/webhooks.routes.js';

const plugins = [
  usersRoutes,
  apiKeysRoutes,
  tasksRoutes,
  feedRoutes,
  templatesRoutes,
  webhooksRoutes,
  taskWebhooksRoutes,
  notificationsRoutes,
  connectorsRoutes,
  securityRoutes,
  securityHooksRoutes,
];

export const restRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, opts) => {
  for (const plugin of plugins) await app.register(plugin, opts);
};

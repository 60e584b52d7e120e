// Every REST route plugin, each given the services it uses and nothing else (app.ts
// registers this once). The route files are typed on those services, not on the container.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { adminRoutes } from '../admin/admin.routes.js';
import { platformRoutes } from '../admin/platform.routes.js';
import { apiKeysRoutes } from '../api-keys/api-keys.routes.js';
import { connectorsRoutes } from '../connectors/connectors.routes.js';
import type { Services } from '../container.js';
import { feedRoutes } from '../feed/feed.routes.js';
import { conditionalPublicGets } from '../http/conditional.js';
import { notificationsRoutes } from '../notifications/notifications.routes.js';
import { securityRoutes } from '../security/security.routes.js';
import { securityHooksRoutes } from '../security/security-hooks.routes.js';
import { tasksRoutes } from '../tasks/tasks.routes.js';
import { templatesRoutes } from '../templates/templates.routes.js';
import { usersRoutes } from '../users/users.routes.js';
import { waitlistRoutes } from '../waitlist/waitlist.routes.js';
import { taskWebhooksRoutes } from '../webhooks/task-webhooks.routes.js';
import { webhooksRoutes } from '../webhooks/webhooks.routes.js';

export const restRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services: s }) => {
  conditionalPublicGets(app);
  await app.register(usersRoutes, { users: s.users });
  await app.register(apiKeysRoutes, { apiKeys: s.apiKeys });
  await app.register(tasksRoutes, {
    tasks: s.tasks,
    executions: s.executions,
    sharing: s.sharing,
    publicTasks: s.publicTasks,
  });
  await app.register(feedRoutes, { feed: s.feed });
  await app.register(templatesRoutes, { templates: s.templates });
  await app.register(webhooksRoutes, { webhooks: s.webhooks });
  await app.register(taskWebhooksRoutes, { taskWebhooks: s.taskWebhooks });
  await app.register(notificationsRoutes, { history: s.history, emailVerification: s.emailVerification });
  await app.register(connectorsRoutes, { connectors: s.connectors });
  await app.register(securityRoutes, { securityEvents: s.securityEvents });
  await app.register(waitlistRoutes, { waitlist: s.waitlist, admin: s.admin });
  await app.register(adminRoutes, { admin: s.admin });
  await app.register(platformRoutes, { admin: s.admin, platform: s.platform, taskActions: s.taskActions });
  await app.register(securityHooksRoutes, { secretScanning: s.secretScanning, clerkWebhooks: s.clerkWebhooks });
};

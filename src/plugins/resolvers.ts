// Every GraphQL resolver, each given the services it uses and nothing else. The classes
// make the schema (one per process); each gateway makes its own instances, which every
// operation's context carries (graphql/context.ts).
import type { GraphQLSchema } from 'graphql';
import type { ContainerType, NonEmptyArray } from 'type-graphql';
import { AdminResolver } from '../admin/admin.resolver.js';
import { AdminOpsResolver } from '../admin/ops.resolver.js';
import { ApiKeysResolver } from '../api-keys/api-keys.resolver.js';
import { RateLimitResolver } from '../budget/rate-limit.resolver.js';
import type { Services } from '../container.js';
import { FeedResolver } from '../feed/feed.resolver.js';
import { printSortedSchema, schemaOf } from '../graphql/schema.js';
import { LiveResolver } from '../live/live.resolver.js';
import { NotificationsResolver } from '../notifications/notifications.resolver.js';
import { SecurityResolver } from '../security/security.resolver.js';
import { PublicTasksResolver } from '../tasks/public-tasks.resolver.js';
import { TasksResolver } from '../tasks/tasks.resolver.js';
import { TemplatesResolver } from '../templates/templates.resolver.js';
import { UsersResolver } from '../users/users.resolver.js';
import { TaskWebhooksResolver } from '../webhooks/task-webhooks.resolver.js';
import { WebhooksResolver } from '../webhooks/webhooks.resolver.js';

const resolverInstances = (s: Services) => [
  new UsersResolver({ users: s.users }),
  new ApiKeysResolver({ apiKeys: s.apiKeys }),
  new TasksResolver({ tasks: s.tasks, sharing: s.sharing, executions: s.executions }),
  new PublicTasksResolver({ publicTasks: s.publicTasks, executions: s.executions }),
  new LiveResolver({ live: s.live }),
  new FeedResolver({ feed: s.feed }),
  new TemplatesResolver({ templates: s.templates }),
  new WebhooksResolver({ webhooks: s.webhooks }),
  new TaskWebhooksResolver({ taskWebhooks: s.taskWebhooks }),
  new NotificationsResolver({ history: s.history, emailVerification: s.emailVerification }),
  new SecurityResolver({ securityEvents: s.securityEvents }),
  new RateLimitResolver(),
  new AdminResolver({ admin: s.admin }),
  new AdminOpsResolver({ platform: s.platform, taskActions: s.taskActions, waitlist: s.waitlist }),
];

// biome-ignore lint/complexity/noBannedTypes: type-graphql takes resolver classes as Function.
const RESOLVERS: NonEmptyArray<Function> = [
  UsersResolver,
  ApiKeysResolver,
  TasksResolver,
  PublicTasksResolver,
  LiveResolver,
  FeedResolver,
  TemplatesResolver,
  WebhooksResolver,
  TaskWebhooksResolver,
  NotificationsResolver,
  SecurityResolver,
  RateLimitResolver,
  AdminResolver,
  AdminOpsResolver,
];

/** The gateway's schema (built once per process). */
export const gatewaySchema = (): Promise<GraphQLSchema> => schemaOf(RESOLVERS);

/** The SDL committed as schema/schema.graphql. */
export const gatewaySdl = async (): Promise<string> => printSortedSchema(await gatewaySchema());

/** This gateway's resolver instances, as type-graphql asks for them. */
export function resolverContainer(services: Services): ContainerType {
  const byClass = new Map<unknown, object>(resolverInstances(services).map((r) => [r.constructor, r]));
  for (const type of RESOLVERS) if (!byClass.has(type)) throw new Error(`no instance of ${type.name}`);
  return {
    get(type: { name: string }) {
      const instance = byClass.get(type);
      if (!instance) throw new Error(`no resolver instance of ${type.name}`);
      return instance;
    },
  };
}

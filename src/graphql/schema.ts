// Builds the executable schema from the type-graphql resolvers, and prints the SDL that
// is committed as schema/schema.graphql.
import 'reflect-metadata';
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { ApiKeysResolver } from '../api-keys/api-keys.resolver.js';
import { FeedResolver } from '../feed/feed.resolver.js';
import { LiveResolver } from '../live/live.resolver.js';
import { NotificationsResolver } from '../notifications/notifications.resolver.js';
import { SecurityResolver } from '../security/security.resolver.js';
import { PublicTasksResolver } from '../tasks/public-tasks.resolver.js';
import { TasksResolver } from '../tasks/tasks.resolver.js';
import { TemplatesResolver } from '../templates/templates.resolver.js';
import { UsersResolver } from '../users/users.resolver.js';
import { TaskWebhooksResolver } from '../webhooks/task-webhooks.resolver.js';
import { WebhooksResolver } from '../webhooks/webhooks.resolver.js';

export const resolvers = [
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
] as const;

let built: Promise<GraphQLSchema> | undefined;

/**
 * Subscriptions are fed by the live hub through their own `subscribe` functions; type-graphql
 * still asks for a PubSub, which nothing may use.
 */
const noPubSub = {
  publish: () => {
    throw new Error('subscriptions are published by the live hub, not through type-graphql');
  },
  subscribe: () => {
    throw new Error('subscriptions are fed by the live hub, not through type-graphql');
  },
};

/** The schema is the same for every app in a process; build it once. */
export function getSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({ resolvers, validate: false, emitSchemaFile: false, pubSub: noPubSub });
  return built;
}

export async function printSortedSchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await getSchema())).trim()}\n`;
}

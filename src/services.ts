// Every service of the gateway, built once per app from its dependencies.
import type { Kysely } from 'kysely';
import { createApiKeysService } from './api-keys/api-keys.service.js';
import type { ClerkAuth } from './auth/clerk.js';
import type { Config } from './config.js';
import type { DB } from './db/types.js';
import type { RateLimiter } from './lib/rate-limit.js';
import type { RunsPort } from './runs/engine.js';
import { createTasksService } from './tasks/tasks.service.js';
import { createUsersService } from './users/users.service.js';

export interface ServiceDeps {
  runs: RunsPort;
  config: Config;
  db: Kysely<DB>;
  clerk: ClerkAuth;
  rateLimiter: RateLimiter;
}

export function createServices({ config, db, clerk, rateLimiter, runs }: ServiceDeps) {
  return {
    users: createUsersService({ db, clerk, noAuthEmail: config.noAuthEmail }),
    apiKeys: createApiKeysService({
      db,
      clerk,
      rateLimiter,
      bcryptCost: config.apiKeyBcryptCost,
      createLimitPerMinute: config.apiKeyCreateLimitPerMinute,
    }),
    tasks: createTasksService({
      db,
      runs,
      defaultIntervalSeconds: config.defaultCheckIntervalSeconds,
      notificationRules: { allowInsecureTargets: config.webhookAllowInsecureTargets },
    }),
  };
}

export type Services = ReturnType<typeof createServices>;

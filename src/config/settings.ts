// Every setting of the gateway, once, grouped by concern (one file each under settings/):
// its environment variable, kind, default and bounds, and one line of doc. `Config`
// (config.ts), the services' option types, the README table and .env.example all follow
// from it (npm run config:docs writes the last two; a test fails when they drift).
//
// Adding a setting: add one entry to its concern's file, e.g. in settings/limits.ts
//   webhooksPerUser: int('MAX_WEBHOOKS_PER_USER', 'task webhooks one user may have', { min: 1, max: 1000, default: 50 }),
// then read it as config.limits.webhooksPerUser (typed from the entry) and run npm run config:docs.
// A new concern is a new file here plus one line below.

import { auth } from './settings/auth.js';
import { budget } from './settings/budget.js';
import { database } from './settings/database.js';
import { email } from './settings/email.js';
import { engine } from './settings/engine.js';
import { limits } from './settings/limits.js';
import { live } from './settings/live.js';
import { publicCache } from './settings/public-cache.js';
import { server } from './settings/server.js';
import { telemetry } from './settings/telemetry.js';
import { trustedDocuments } from './settings/trusted-documents.js';
import { webhooks } from './settings/webhooks.js';

export { DELIVERY_JOB_EXPIRE_SECONDS, EMAIL_JOB_EXPIRE_SECONDS } from './settings/shared.js';

export const SETTINGS = {
  server,
  database,
  auth,
  engine,
  webhooks,
  email,
  live,
  limits,
  budget,
  telemetry,
  trustedDocuments,
  publicCache,
} as const;

// The gateway's container alone — services, repositories and rules on this file's database,
// with no Fastify and no HTTP — for service-level tests.

import type { Viewer } from '../../src/auth/viewer.js';
import { loadConfig } from '../../src/config/config.js';
import { type Container, createContainer } from '../../src/container.js';
import type { UserRow } from '../../src/db/types.js';
import { createLogger } from '../../src/lib/logger.js';
import { upsertUser } from '../../src/users/users.repository.js';
import { TEST_ENV } from './app.js';
import type { TestDatabase } from './db.js';

export function testContainer(tdb: TestDatabase, env: Record<string, string> = {}): Container {
  const config = loadConfig({ ...TEST_ENV, ...env });
  return createContainer(config, { database: tdb.database, logger: createLogger('silent') });
}

let seq = 0;

/** A synced user and the viewer a Clerk session of theirs would produce. */
export async function testUser(tdb: TestDatabase): Promise<{ user: UserRow; viewer: Viewer }> {
  const clerkUserId = `user_svc_${Date.now().toString(36)}_${++seq}`;
  const { user } = await upsertUser(tdb.database.db, {
    clerkUserId,
    email: `${clerkUserId}@example.com`,
    firstName: 'Sam',
  });
  return { user, viewer: { kind: 'clerk', clerkUserId, claims: { sub: clerkUserId }, user } };
}

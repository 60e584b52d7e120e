// The usual fixture of a test file: its own database, a fake Clerk, and the app wired to both.
import { startApp, type TestApp } from './app.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { type FakeClerk, startFakeClerk } from './fake-clerk.js';
import { clerkEnv } from './identity.js';

export interface ClerkGateway {
  tdb: TestDatabase;
  clerk: FakeClerk;
  t: TestApp;
}

export async function startClerkGateway(
  opts: Omit<NonNullable<Parameters<typeof startApp>[1]>, 'env'> & { env?: Record<string, string> } = {},
): Promise<ClerkGateway> {
  const [tdb, clerk] = await Promise.all([createTestDatabase(), startFakeClerk()]);
  const t = await startApp(tdb, { ...opts, env: clerkEnv(clerk, opts.env) });
  return { tdb, clerk, t };
}

/** Closes what was started, in reverse order; tolerates a fixture that failed half-way. */
export async function stopClerkGateway(g: Partial<ClerkGateway>): Promise<void> {
  await g.t?.close();
  await g.clerk?.close();
  await g.tdb?.drop();
}

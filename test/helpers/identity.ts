// Shortcuts for tests that need a signed-in user: a Clerk user on the fake, a token,
// a synced row, and an API key.
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { bearer } from './app.js';
import type { FakeClerk } from './fake-clerk.js';

let seq = 0;

export interface SignedInUser {
  clerkUserId: string;
  token: string;
  headers: Record<string, string>;
  userId: string;
}

export async function signIn(
  app: FastifyInstance,
  clerk: FakeClerk,
  opts: { role?: string | null; email?: string; sync?: boolean } = {},
): Promise<SignedInUser> {
  const clerkUserId = `user_${Date.now().toString(36)}_${++seq}`;
  clerk.addUser({
    id: clerkUserId,
    email: opts.email ?? `${clerkUserId}@example.com`,
    firstName: 'Jane',
    role: opts.role === undefined ? 'developer' : opts.role,
  });
  const token = await clerk.token(clerkUserId, { expiresInSeconds: 600 });
  let userId = '';
  if (opts.sync !== false) {
    const res = await app.inject({ method: 'POST', url: '/auth/sync-user', headers: bearer(token) });
    expect(res.statusCode).toBe(200);
    userId = res.json().user.id;
  }
  return { clerkUserId, token, headers: bearer(token), userId };
}

export async function createKey(app: FastifyInstance, headers: Record<string, string>, name = 'My API Key') {
  const res = await app.inject({ method: 'POST', url: '/auth/api-keys', headers, payload: { name } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { key: string; key_info: { id: string; key_prefix: string } };
}

export function clerkEnv(clerk: FakeClerk, extra: Record<string, string> = {}): Record<string, string> {
  return { CLERK_SECRET_KEY: clerk.secretKey, CLERK_API_URL: clerk.url, ...extra };
}

/** A signed-in, synced user whose Clerk role is admin (`signIn` with role 'developer' is the non-admin). */
export const signInAdmin = (app: FastifyInstance, clerk: FakeClerk, opts: { email?: string } = {}) =>
  signIn(app, clerk, { ...opts, role: 'admin' });

// Who is calling. Produced once per request by authenticate(); services take it first.
import type { UserRow } from '../db/types.js';
import { Errors } from '../errors.js';

export type ClerkClaims = Record<string, unknown> & { sub: string };

export type Viewer =
  | { readonly kind: 'anonymous' }
  | {
      readonly kind: 'clerk';
      readonly clerkUserId: string;
      readonly claims: ClerkClaims;
      readonly user: UserRow | null;
    }
  | {
      readonly kind: 'api-key';
      readonly clerkUserId: string;
      readonly apiKeyId: string;
      readonly user: UserRow;
      readonly scopes: readonly string[];
      /** When the key stops working on its own (expiry, or the end of a rotation's grace). */
      readonly expiresAt: Date | null;
      /** Replaced by a rotation: it serves requests until its grace ends, and manages no keys. */
      readonly replaced: boolean;
    }
  | { readonly kind: 'noauth'; readonly clerkUserId: string; readonly user: UserRow | null };

export const ANONYMOUS: Viewer = Object.freeze({ kind: 'anonymous' });

/** The synced user behind the request, or the contract's 401/404. */
export function requireUser(viewer: Viewer): UserRow {
  if (viewer.kind === 'anonymous') throw Errors.authorizationMissing();
  if (!viewer.user) throw Errors.userNotSynced();
  return viewer.user;
}

/** Any authenticated caller, synced or not (sync-user itself). */
export function requireIdentity(viewer: Viewer): Exclude<Viewer, { kind: 'anonymous' }> {
  if (viewer.kind === 'anonymous') throw Errors.authorizationMissing();
  return viewer;
}

/**
 * What an API key may be allowed to do (CONTRACT.md "Key lifecycle", "Budgets and trusted
 * documents"); a key has all by default. README "Scopes" has the operation → scope table.
 */
export const SCOPES = ['tasks:read', 'tasks:write', 'keys:read', 'keys:write', 'account:write'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * The one declaration of what an operation needs, made by the service method (so REST and
 * GraphQL share it). Only API keys are restricted: sessions and the dev user have every scope.
 */
export function requireScope(viewer: Viewer, scope: Scope): void {
  if (viewer.kind === 'api-key' && !viewer.scopes.includes(scope)) throw Errors.missingScope(scope);
}

/** Reading keys and the security log: `keys:read`, or `keys:write` (which always could). */
export function requireKeysRead(viewer: Viewer): void {
  if (viewer.kind === 'api-key' && !viewer.scopes.includes('keys:write')) requireScope(viewer, 'keys:read');
}

// What the admin views and actions take of the admin foundation (admin.service.ts): the one
// admin guard, shared by REST and GraphQL, and the audit log every admin action is written to.

import type { Viewer } from '../auth/viewer.js';
import type { UserRow } from '../db/types.js';

export interface AdminAction {
  action: string;
  targetUserId?: string | null;
  targetTaskId?: string | null;
  details?: Record<string, unknown>;
}

export interface AdminGate {
  /** The admin's user behind the request, else the contract's 401 / 403 `Admin access required`. */
  requireAdmin(viewer: Viewer): Promise<UserRow>;
  /** Writes one entry of the admin audit log. */
  record(admin: UserRow, action: AdminAction): Promise<unknown>;
}

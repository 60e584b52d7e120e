// Admin rows as Torale's admin console (and the audit log's readers) read them.
import type { AdminAuditRow } from '../db/types.js';
import type { AdminUser } from './admin.service.js';

export const toAdminUserJson = (u: AdminUser) => ({
  id: u.id,
  email: u.email,
  clerk_user_id: u.clerk_user_id,
  is_active: u.is_active,
  created_at: u.created_at.toISOString(),
  task_count: u.task_count,
  total_executions: u.total_executions,
  notifications_count: u.notifications_count,
  role: u.role,
});

export const toAuditEntryJson = (e: AdminAuditRow) => ({
  id: e.id,
  admin_user_id: e.admin_user_id,
  action: e.action,
  target_user_id: e.target_user_id,
  target_task_id: e.target_task_id,
  details: e.details,
  created_at: e.created_at.toISOString(),
});

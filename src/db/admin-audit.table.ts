// The admin audit log's table (migration 2026_12_08_1810): one row per admin action.
import type { ColumnType, Generated } from 'kysely';

export interface AdminAuditLogTable {
  id: Generated<string>;
  admin_user_id: string;
  action: string;
  target_user_id: string | null;
  target_task_id: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

// Rows as Torale's database holds them at alembic revision c5e8f9d23b41 (Torale d64cd83): only
// the columns the importer reads. Timestamps arrive as PostgreSQL text (microseconds kept),
// jsonb as parsed JSON, arrays as arrays.

/** The Torale schema revision this importer reads (backend/alembic/versions, head). */
export const TORALE_REVISION = 'c5e8f9d23b41';

export type Timestamp = string;

export interface ToraleUser {
  id: string;
  clerk_user_id: string;
  email: string;
  first_name: string | null;
  username: string | null;
  is_active: boolean;
  has_seen_welcome: boolean;
  verified_notification_emails: string[] | null;
  webhook_url: string | null;
  webhook_secret: string | null;
  webhook_enabled: boolean | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ToraleApiKey {
  id: string;
  user_id: string;
  key_prefix: string;
  key_hash: string;
  name: string;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
  is_active: boolean;
}

export interface ToraleTask {
  id: string;
  user_id: string;
  name: string;
  search_query: string | null;
  condition_description: string | null;
  state: string;
  next_run: Timestamp | null;
  is_public: boolean | null;
  view_count: number | null;
  subscriber_count: number | null;
  forked_from_task_id: string | null;
  last_known_state: unknown;
  last_execution_id: string | null;
  notifications: unknown;
  notification_channels: string[] | null;
  notification_email: string | null;
  webhook_url: string | null;
  webhook_secret: string | null;
  context: unknown;
  attached_connector_slugs: string[] | null;
  state_changed_at: Timestamp;
  created_at: Timestamp | null;
  updated_at: Timestamp | null;
}

export interface ToraleExecution {
  id: string;
  task_id: string;
  status: string;
  started_at: Timestamp | null;
  completed_at: Timestamp | null;
  result: unknown;
  error_message: string | null;
  notification: string | null;
  grounding_sources: unknown;
  retry_count: number;
  error_category: string | null;
  internal_error: string | null;
  created_at: Timestamp | null;
}

export interface ToraleWebhookDelivery {
  id: string;
  task_id: string;
  execution_id: string | null;
  webhook_url: string;
  payload: unknown;
  http_status: number | null;
  attempt_number: number;
  delivered_at: Timestamp | null;
  failed_at: Timestamp | null;
  error_message: string | null;
  next_retry_at: Timestamp | null;
  created_at: Timestamp | null;
}

export interface ToraleNotificationSend {
  id: string;
  user_id: string;
  task_id: string | null;
  execution_id: string | null;
  recipient_email: string;
  notification_type: string;
  status: string;
  error_message: string | null;
  created_at: Timestamp | null;
}

export interface ToraleEmailVerification {
  id: string;
  user_id: string;
  email: string;
  verification_code: string;
  verified: boolean | null;
  expires_at: Timestamp;
  verified_at: Timestamp | null;
  attempts: number | null;
  created_at: Timestamp | null;
}

export interface ToraleTemplate {
  id: string;
  name: string;
  description: string;
  category: string;
  icon: string | null;
  search_query: string;
  condition_description: string;
  is_active: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ToraleWaitlistEntry {
  id: string;
  email: string;
  status: string;
  invited_at: Timestamp | null;
  notes: string | null;
  created_at: Timestamp;
}

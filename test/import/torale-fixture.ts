// A Torale-shaped database for the import tests: the tables and columns the importer reads, at
// the alembic revision it expects — written for these tests (CI has no Torale checkout), as a
// shape, not Torale's migrations. Rows are written the way Torale writes them: keys are `sk_` +
// URL-safe base64 of 32 random bytes with a bcrypt hash and a 15-character prefix; tasks keep
// Torale's notification dicts beside its delivery columns; results are its agent result JSON.
import { randomBytes, randomUUID } from 'node:crypto';
import bcrypt from 'bcrypt';
import pg from 'pg';
import { TORALE_REVISION } from '../../src/import/torale.types.js';
import { adminQuery, withDatabase } from '../helpers/pg-admin.js';

const SCHEMA = `
create table alembic_version (version_num varchar(32) primary key);
create table users (
  id uuid primary key default gen_random_uuid(), clerk_user_id text not null unique, email text not null unique,
  is_active boolean not null default true, created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(), first_name text,
  verified_notification_emails text[] default array[]::text[], webhook_url text, webhook_secret text,
  webhook_enabled boolean default false, username varchar(30) unique, has_seen_welcome boolean not null default false);
create table task_executions (
  id uuid primary key default gen_random_uuid(), task_id uuid not null, status text not null,
  started_at timestamptz default now(), completed_at timestamptz, result jsonb, error_message text,
  grounding_sources jsonb, created_at timestamptz default now(), notification text,
  retry_count integer not null default 0, error_category text, internal_error text);
create table tasks (
  id uuid primary key default gen_random_uuid(), user_id uuid not null references users(id) on delete cascade,
  name text not null, search_query text, condition_description text, last_known_state jsonb,
  created_at timestamptz default now(), updated_at timestamptz default now(),
  notifications jsonb not null default '[]', notification_channels text[] default array['email']::text[],
  notification_email text, webhook_url text, webhook_secret text, is_public boolean default false,
  view_count integer default 0, subscriber_count integer default 0,
  forked_from_task_id uuid references tasks(id) on delete set null, state text not null default 'active',
  state_changed_at timestamptz not null default now(),
  last_execution_id uuid references task_executions(id) on delete set null, next_run timestamptz, context jsonb,
  attached_connector_slugs text[] not null default array[]::text[], unique (user_id, name));
alter table task_executions add foreign key (task_id) references tasks(id) on delete cascade;
create table task_templates (
  id uuid primary key default gen_random_uuid(), name varchar(255) not null, description text not null,
  category varchar(100) not null, icon varchar(50), search_query text not null, condition_description text not null,
  is_active boolean not null default true, created_at timestamptz not null default now(),
  updated_at timestamptz not null default now());
create table api_keys (
  id uuid primary key default gen_random_uuid(), user_id uuid not null references users(id) on delete cascade,
  key_prefix text not null, key_hash text not null unique, name text not null,
  created_at timestamptz not null default now(), last_used_at timestamptz, is_active boolean not null default true);
create table waitlist (
  id uuid primary key default gen_random_uuid(), email text not null unique, created_at timestamptz not null default now(),
  status text not null default 'pending', invited_at timestamptz, notes text);
create table email_verifications (
  id uuid primary key default gen_random_uuid(), user_id uuid not null references users(id) on delete cascade,
  email text not null, verification_code text not null, verified boolean default false,
  expires_at timestamptz not null, verified_at timestamptz, attempts integer default 0, created_at timestamptz default now());
create table notification_sends (
  id uuid primary key default gen_random_uuid(), user_id uuid not null references users(id) on delete cascade,
  task_id uuid references tasks(id) on delete set null, recipient_email text not null, notification_type text not null,
  execution_id uuid references task_executions(id) on delete set null, status text not null default 'success',
  error_message text, created_at timestamptz default now());
create table webhook_deliveries (
  id uuid primary key default gen_random_uuid(), task_id uuid not null references tasks(id) on delete cascade,
  execution_id uuid references task_executions(id) on delete cascade, webhook_url text not null, payload jsonb not null,
  signature text not null, http_status integer, response_body text, attempt_number integer not null default 1,
  delivered_at timestamptz, failed_at timestamptz, error_message text, next_retry_at timestamptz,
  created_at timestamptz default now());
create table user_connectors (
  id uuid primary key default gen_random_uuid(), user_id uuid not null references users(id) on delete cascade,
  toolkit_slug text not null, status text not null default 'INITIATED');
`;

export interface ToraleDb {
  url: string;
  query<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** An empty Torale-shaped database on the test server, at the importer's revision. */
export async function createToraleDatabase(serverUrl: string, runId: string): Promise<ToraleDb> {
  const name = `torale_t_${runId}_src_${randomBytes(4).toString('hex')}`;
  await adminQuery(serverUrl, `create database ${name}`);
  const url = withDatabase(serverUrl, name);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  await pool.query(SCHEMA);
  await pool.query('insert into alembic_version values ($1)', [TORALE_REVISION]);
  return {
    url,
    query: async (text, values) => (await pool.query(text, values)).rows,
    drop: async () => {
      await pool.end();
      await adminQuery(serverUrl, `drop database if exists ${name} with (force)`).catch(() => {});
    },
  };
}

/** A key made as Torale makes one, with its stored form. */
export async function toraleKey(): Promise<{ key: string; hash: string; prefix: string }> {
  const key = `sk_${randomBytes(32).toString('base64url')}`;
  return { key, hash: await bcrypt.hash(key, 4), prefix: `${key.slice(0, 15)}...` };
}

export interface SeededUser {
  id: string;
  clerkUserId: string;
  email: string;
}

export async function addUser(
  t: ToraleDb,
  over: Partial<{
    clerkUserId: string;
    isActive: boolean;
    webhookUrl: string;
    webhookSecret: string;
    username: string;
  }> = {},
): Promise<SeededUser> {
  const id = randomUUID();
  const clerkUserId = over.clerkUserId ?? `user_${randomBytes(8).toString('hex')}`;
  const email = `${clerkUserId}@example.com`;
  await t.query(
    `insert into users (id, clerk_user_id, email, first_name, is_active, webhook_url, webhook_secret, webhook_enabled,
       username, has_seen_welcome, verified_notification_emails, created_at, updated_at)
     values ($1, $2, $3, 'Ada', $4, $5::text, $6, $5::text is not null, $7, true, array['alerts@example.net'],
       now() - interval '100 days 0.123456 seconds', now() - interval '10 days')`,
    [
      id,
      clerkUserId,
      email,
      over.isActive ?? true,
      over.webhookUrl ?? null,
      over.webhookSecret ?? null,
      over.username ?? null,
    ],
  );
  return { id, clerkUserId, email };
}

export async function addKey(t: ToraleDb, userId: string, active = true) {
  const k = await toraleKey();
  const [row] = await t.query<{ id: string }>(
    `insert into api_keys (user_id, key_prefix, key_hash, name, is_active, created_at, last_used_at)
     values ($1, $2, $3, 'SDK', $4, now() - interval '30 days', now() - interval '2 days') returning id`,
    [userId, k.prefix, k.hash, active],
  );
  return { ...k, id: row?.id as string };
}

/** Torale's stored form of a notification (NotificationConfig.model_dump()). */
export const emailNotification = (address: string) => ({
  type: 'email',
  address,
  template: null,
  url: null,
  method: 'POST',
  headers: null,
});
export const webhookNotification = (url: string, headers: Record<string, string> | null = null) => ({
  type: 'webhook',
  address: null,
  template: null,
  url,
  method: 'POST',
  headers,
});

export async function addTask(
  t: ToraleDb,
  userId: string,
  over: Record<string, unknown> = {},
): Promise<{ id: string; name: string }> {
  const v = {
    id: randomUUID(),
    name: `Launch watch ${randomBytes(3).toString('hex')}`,
    search_query: 'When is the next launch?',
    condition_description: 'A date is announced',
    state: 'active',
    next_run: new Date(Date.now() + 3600_000).toISOString(),
    notifications: [],
    notification_channels: ['email'],
    notification_email: null,
    webhook_url: null,
    webhook_secret: null,
    context: null,
    is_public: false,
    attached_connector_slugs: [],
    ...over,
  };
  await t.query(
    `insert into tasks (id, user_id, name, search_query, condition_description, state, next_run, notifications,
       notification_channels, notification_email, webhook_url, webhook_secret, context, is_public, view_count,
       subscriber_count, attached_connector_slugs, created_at, updated_at, state_changed_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 7, 2, $15,
       now() - interval '50 days', now() - interval '5 days 0.000123 seconds', now() - interval '50 days')`,
    [
      v.id,
      userId,
      v.name,
      v.search_query,
      v.condition_description,
      v.state,
      v.next_run,
      JSON.stringify(v.notifications),
      v.notification_channels,
      v.notification_email,
      v.webhook_url,
      v.webhook_secret,
      v.context === null ? null : JSON.stringify(v.context),
      v.is_public,
      v.attached_connector_slugs,
    ],
  );
  return { id: v.id, name: v.name };
}

/** A successful run as Torale's scheduler persists it. */
export async function addExecution(
  t: ToraleDb,
  taskId: string,
  over: Partial<{
    status: string;
    notification: string | null;
    sources: unknown;
    result: unknown;
    hoursAgo: number;
  }> = {},
): Promise<string> {
  const id = randomUUID();
  const status = over.status ?? 'success';
  const sources = over.sources ?? [{ url: 'https://www.reuters.com/a', title: 'www.reuters.com' }];
  const result =
    over.result !== undefined
      ? over.result
      : status === 'success'
        ? {
            evidence: 'Nothing yet',
            notification: over.notification ?? null,
            confidence: 80,
            next_run: null,
            grounding_sources: sources,
            activity: [{ tool: 'perplexity_search', detail: 'searched', connector_slug: null, annotations: null }],
          }
        : {};
  await t.query(
    `insert into task_executions (id, task_id, status, started_at, completed_at, result, grounding_sources, notification,
       error_message, retry_count, error_category, internal_error, created_at)
     values ($1, $2, $3, now() - make_interval(hours => $4), case when $3 in ('success', 'failed', 'cancelled')
       then now() - make_interval(hours => $4) + interval '20.5 seconds' end, $5, $6, $7,
       case when $3 = 'failed' then 'The monitoring agent could not be reached' end, $8,
       case when $3 = 'failed' then 'agent_unavailable' end, case when $3 = 'failed' then 'ConnectError' end,
       now() - make_interval(hours => $4))`,
    [
      id,
      taskId,
      status,
      over.hoursAgo ?? 1,
      result === null ? null : JSON.stringify(result),
      status === 'success' ? JSON.stringify(sources) : null,
      over.notification ?? null,
      status === 'success' ? 0 : 1,
    ],
  );
  return id;
}

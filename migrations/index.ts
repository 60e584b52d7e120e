// The ordered list of migrations. A static list (rather than a directory scan) works the
// same under tsx, vitest and the compiled dist/ output.
import type { Migration } from 'kysely';
import * as m0001 from './2026_11_28_0001_users.js';
import * as m0002 from './2026_11_28_0002_api_keys.js';
import * as m0003 from './2026_11_28_0003_tasks.js';
import * as m0004 from './2026_11_28_0004_idempotency_keys.js';
import * as m0005 from './2026_11_28_0005_runs.js';
import * as m0006 from './2026_11_29_0006_counters.js';
import * as m0007 from './2026_11_29_0007_dispatch.js';
import * as m0008 from './2026_11_29_0008_public_keyset.js';
import * as m0009 from './2026_11_29_0009_live.js';
import * as m0010 from './2026_11_29_0010_dashboard_indexes.js';
import * as m0011 from './2026_11_29_0011_task_templates.js';
import * as m0012 from './2026_11_29_0012_default_webhooks.js';
import * as m0020 from './2026_11_29_0020_key_lifecycle.js';
import * as m0030 from './2026_11_29_0030_standard_webhooks.js';
import * as m0100 from './2026_12_07_0100_torale_wire.js';
import * as m0300 from './2026_12_07_0300_hardening.js';
import * as m0400 from './2026_12_07_0400_unscheduled_tasks.js';
import * as m0500 from './2026_12_07_0500_execution_owner.js';
import * as m0501 from './2026_12_07_0501_public_changes.js';
import * as m0600 from './2026_12_07_0600_email.js';
import * as m1810 from './2026_12_08_1810_admin_audit_log.js';
import * as m1811 from './2026_12_08_1811_admin_deactivation.js';
import * as m1820 from './2026_12_08_1820_waitlist.js';
import * as m1821 from './2026_12_08_1821_admin_indexes.js';
import * as m1830 from './2026_12_08_1830_public_cache.js';

export const migrations: Record<string, Migration> = {
  '2026_11_28_0001_users': m0001,
  '2026_11_28_0002_api_keys': m0002,
  '2026_11_28_0003_tasks': m0003,
  '2026_11_28_0004_idempotency_keys': m0004,
  '2026_11_28_0005_runs': m0005,
  '2026_11_29_0006_counters': m0006,
  '2026_11_29_0007_dispatch': m0007,
  '2026_11_29_0008_public_keyset': m0008,
  '2026_11_29_0009_live': m0009,
  '2026_11_29_0010_dashboard_indexes': m0010,
  '2026_11_29_0011_task_templates': m0011,
  '2026_11_29_0012_default_webhooks': m0012,
  '2026_11_29_0020_key_lifecycle': m0020,
  '2026_11_29_0030_standard_webhooks': m0030,
  '2026_12_07_0100_torale_wire': m0100,
  '2026_12_07_0300_hardening': m0300,
  '2026_12_07_0400_unscheduled_tasks': m0400,
  '2026_12_07_0500_execution_owner': m0500,
  '2026_12_07_0501_public_changes': m0501,
  '2026_12_07_0600_email': m0600,
  '2026_12_08_1810_admin_audit_log': m1810,
  '2026_12_08_1811_admin_deactivation': m1811,
  '2026_12_08_1820_waitlist': m1820,
  '2026_12_08_1821_admin_indexes': m1821,
  '2026_12_08_1830_public_cache': m1830,
};

// The embedded database of development runs and the test fallback: PGlite with settings
// sized for one developer's machine rather than PostgreSQL's server defaults.
import v8 from 'node:v8';
import { PGlite } from '@electric-sql/pglite';
import { initEmbeddedDataDir } from './pglite-init.js';

/**
 * PostgreSQL's own defaults grow the WebAssembly heap (which never shrinks) past what a
 * dev process should hold; these keep it small for a handful of users.
 */
export const PGLITE_SETTINGS = {
  shared_buffers: '16MB',
  work_mem: '2MB',
  maintenance_work_mem: '16MB',
  temp_buffers: '2MB',
  wal_buffers: '1MB',
} as const;

export async function openPGlite(dataDir: string): Promise<PGlite> {
  await initEmbeddedDataDir(dataDir);
  // V8 compiles PostgreSQL's WebAssembly twice (baseline, then optimised in the background)
  // and keeps both: baseline code only saves ~50 MB, and a dev database is not CPU-bound.
  // Set before the module is compiled; it only concerns WebAssembly (PGlite is the only user).
  v8.setFlagsFromString('--liftoff-only');
  const settings = Object.entries(PGLITE_SETTINGS).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const defaults = (PGlite as unknown as { defaultStartParams?: string[] }).defaultStartParams ?? [];
  return PGlite.create(dataDir, { startParams: [...defaults, ...settings] });
}

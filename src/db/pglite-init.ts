// Creating an embedded database (initdb) takes ~500 MB that a process never gives back:
// it runs in a short-lived process of its own, so the gateway only ever opens an existing
// one. Kept free of PGlite imports so main.ts can start it before loading the gateway.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const inFlight = new Map<string, Promise<void>>();

/** Creates the data directory's database unless it has one; concurrent callers share one run. */
export function initEmbeddedDataDir(dataDir: string): Promise<void> {
  if (dataDir.startsWith('memory://') || existsSync(join(dataDir, 'PG_VERSION'))) return Promise.resolve();
  let run = inFlight.get(dataDir);
  if (!run) {
    mkdirSync(dataDir, { recursive: true });
    const moduleUrl = import.meta.resolve('@electric-sql/pglite');
    const code = `const { PGlite } = await import(${JSON.stringify(moduleUrl)});
const db = await PGlite.create(${JSON.stringify(dataDir)});
await db.close();`;
    run = promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], { timeout: 300_000 }).then(
      () => undefined,
    );
    inFlight.set(dataDir, run);
  }
  return run;
}

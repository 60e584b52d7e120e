// What every suite is given by bench/run.ts.
import type { BenchOptions } from './args.js';
import type { ClerkKeys } from './gateway.js';
import type { Procs } from './procs.js';
import type { SuiteResult } from './results.js';

export interface BenchContext {
  opts: BenchOptions;
  procs: Procs;
  clerk: ClerkKeys;
}

export type Suite = (ctx: BenchContext) => Promise<SuiteResult>;

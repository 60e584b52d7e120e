// The command line of `npm run bench`: which suites, how long each measurement lasts, where
// results go. Environment overrides exist for the smoke test and for quick growth runs.
export const SUITES = ['requests', 'pages', 'engine', 'growth', 'cache'] as const;
export type SuiteName = (typeof SUITES)[number];

export interface BenchOptions {
  quick: boolean;
  suites: SuiteName[];
  /** Seconds per load measurement. */
  duration: number;
  /** Interleaved rounds; a ratio is taken within a round and the median is reported. */
  rounds: number;
  /** Size of the large growth data set relative to the (1 = 200k users, 1M tasks, 5M executions). */
  scale: number;
  /** Directory of latest.{json,md,svg}. */
  outDir: string;
  /** Skip `npm run build` (dist/ is already current). */
  noBuild: boolean;
}

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const flag = (name: string) => argv.includes(`--${name}`);
  const value = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const quick = flag('quick');
  const picked = value('suite')?.split(',').filter(Boolean) ?? ['requests', 'pages', 'engine'];
  if (flag('growth') && !picked.includes('growth')) picked.push('growth');
  const unknown = picked.filter((s) => !(SUITES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`unknown suite(s): ${unknown.join(', ')} (known: ${SUITES.join(', ')})`);
  const num = (raw: string | undefined, def: number) => (raw === undefined || raw === '' ? def : Number(raw));
  return {
    quick,
    suites: picked as SuiteName[],
    duration: num(env.BENCH_DURATION, quick ? 2 : 5),
    rounds: num(env.BENCH_ROUNDS, quick ? 2 : 3),
    scale: num(env.BENCH_SCALE, 1),
    outDir: value('out') ?? new URL('../results/', import.meta.url).pathname,
    noBuild: flag('no-build'),
  };
}

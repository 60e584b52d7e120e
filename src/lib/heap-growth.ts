// How far V8 lets the heap grow before its next full collection (issue 26, G7). V8 sizes the
// next limit from the heap the last full collection kept, times a factor of up to 4 while the
// process allocates fast: a gateway keeping 55 MB alive reached 230 MB of heap (320 MB RSS)
// while answering 1,000-task pages — garbage, never live. A fixed factor bounds that. V8
// reads the flag at every full collection, so setting it once the process runs takes effect.
import { setFlagsFromString } from 'node:v8';

/** The heap may grow `percent` % past what the last full collection kept (0 = V8's own rule). */
export function limitHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${Math.round(percent)}`);
}

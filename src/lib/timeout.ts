import { setTimeout as sleep } from 'node:timers/promises';

/** `p`, or a rejection with `message` once `ms` have passed (the timer is cleared either way). */
export async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  const ac = new AbortController();
  const timeout = sleep(ms, undefined, { signal: ac.signal, ref: false }).then(
    () => Promise.reject(new Error(message)),
    // Aborted because `p` settled first: this branch has lost the race and stays silent.
    () => new Promise<never>(() => {}),
  );
  try {
    return await Promise.race([p, timeout]);
  } finally {
    ac.abort();
  }
}

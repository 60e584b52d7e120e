// A long list completed a batch per event-loop turn. graphql-js completes a list of plain
// values in one synchronous stretch (1,000 tasks with every field: tens of milliseconds on a
// busy machine) during which no other caller's request moves. Items given as promises that
// resolve one setImmediate after the previous batch are completed batch by batch, and the
// I/O of everyone else runs between batches (issue 23, "what must show" 2: another user's
// /auth/me p99 during one key's maximum-cost pages).

/** Batches smaller than this cost more in promises than they give back in turns. */
export const TURN_BATCH = 100;

/** `items` as they are when short; else the first batch as is and each later one a turn later. */
export function inTurns<T>(items: readonly T[], batch = TURN_BATCH): (T | Promise<T>)[] {
  if (items.length <= batch) return [...items];
  const out: (T | Promise<T>)[] = items.slice(0, batch);
  let turn: Promise<void> = Promise.resolve();
  for (let i = batch; i < items.length; i += batch) {
    turn = turn.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
    const ready = turn;
    for (const item of items.slice(i, i + batch)) out.push(ready.then(() => item));
  }
  return out;
}

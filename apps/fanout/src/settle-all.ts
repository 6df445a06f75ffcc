/**
 * Runs `step` for every item at once and fails with the first error only once every step has settled. A fan-out
 * round opens and sends into several partitions' transactions at once; with Promise.all, a transaction still being
 * opened when another partition's step failed (a heartbeat refused by a rebalance) was begun after the round had
 * aborted the others: left open, it held its producer, whose every later transaction was refused, and the
 * partition never committed again.
 */
export async function settleAll<T>(items: readonly T[], step: (item: T) => Promise<void>): Promise<void> {
  const failed = (await Promise.allSettled(items.map(step))).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

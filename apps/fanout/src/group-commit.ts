/**
 * Runs the items submitted while the previous round was busy (or within the same tick) together,
 * one round at a time, and settles each submitter with its round's outcome.
 *
 * kafkajs calls `eachBatch` once per partition, concurrently up to `partitionsConsumedConcurrently`,
 * for all partitions of one fetch in the same tick. A transactional producer allows one transaction
 * at a time, so instead of queueing one transaction per partition, the batches of a fetch share one:
 * one event-log INSERT, one set of produce requests, one commit.
 */
export class GroupCommit<T> {
  private pending: Array<{ item: T; resolve: () => void; reject: (err: unknown) => void }> = [];
  private draining = false;

  constructor(private readonly runRound: (items: T[]) => Promise<void>) {}

  submit(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.draining) return;
      this.draining = true;
      // setImmediate, not a microtask: the other workers' eachBatch calls of this fetch run first.
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const round = this.pending.splice(0);
      try {
        await this.runRound(round.map((r) => r.item));
        for (const r of round) r.resolve();
      } catch (err) {
        for (const r of round) r.reject(err);
      }
    }
    this.draining = false;
  }
}

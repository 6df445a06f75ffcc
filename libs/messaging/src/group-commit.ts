/**
 * Runs the items submitted while the previous round was busy (or within the same tick) together,
 * one round at a time, and settles each submitter with its round's outcome.
 *
 * Several partitions' batches finish close together; writing their outcomes in one round (one
 * produce request set, one database transaction) instead of one each keeps round trips off the
 * hot path. Each submitter still waits for its own items to be durable before committing.
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
      // setImmediate, not a microtask: the other submitters of this tick join the round first.
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

import { OffsetRange } from './settled-offsets';

/** One fetched message's place in its partition's window: settled once its outcome is durable. */
export interface WindowSlot {
  readonly offset: bigint;
  settled: boolean;
}

/**
 * The fetched, not yet committed messages of one partition, in offset order, and the offset the
 * partition may commit: its lowest unsettled offset, or just past the last taken message when all
 * are settled (the offset-watermark of Confluent's Parallel Consumer). Messages settle in any order;
 * the commit point only moves forward, over settled messages.
 *
 * Offsets are not contiguous (transaction markers take offsets), so the window keeps the offsets it
 * was given rather than counting.
 */
export class PartitionWindow {
  private readonly slots: WindowSlot[] = [];
  private head = 0;
  /** The offset after the last message taken: where the next fetched message may start. */
  private end: bigint | null = null;
  /** The last commit point returned; starts where the window starts (fetching starts at the committed offset). */
  private committed: bigint | null = null;

  /** Adds a fetched message; offsets must grow. */
  add(offset: bigint): WindowSlot {
    if (this.end !== null && offset < this.end) throw new RangeError(`offset ${offset} is behind the window's end ${this.end}`);
    this.committed ??= offset;
    const slot: WindowSlot = { offset, settled: false };
    this.slots.push(slot);
    this.end = offset + 1n;
    return slot;
  }

  /** Where fetching must go on from (messages before it are in the window or done), null before the first. */
  nextExpected(): bigint | null {
    return this.end;
  }

  /** Moves the end back to `offset` when a fetched message is given back (a retry tier's held head). */
  expectNext(offset: bigint): void {
    if (this.end !== null && offset < this.end) throw new RangeError(`cannot expect ${offset}: ${this.end} was already taken`);
    this.committed ??= offset;
    this.end = offset;
  }

  /** Messages in the window, settled or not. */
  get size(): number {
    return this.slots.length - this.head;
  }

  /** The last commit point returned by `advance` (where the window started before the first). */
  commitPoint(): bigint | null {
    return this.committed;
  }

  /**
   * The runs of settled messages above the commit point, lowest first. Slots are the fetched messages
   * in offset order with none missing between them, so a run of settled slots settles every message
   * from its first offset to its last (the offsets between carry no message).
   */
  *settledRuns(): Generator<OffsetRange> {
    let from: bigint | null = null;
    let to: bigint | null = null;
    for (let i = this.head; i < this.slots.length; i++) {
      const slot = this.slots[i];
      if (slot.settled) {
        from ??= slot.offset;
        to = slot.offset;
      } else if (from !== null && to !== null) {
        yield { from, to };
        from = null;
      }
    }
    if (from !== null && to !== null) yield { from, to };
  }

  /** The offset to commit now, when it moved past the last one returned; null when it did not. */
  advance(): bigint | null {
    while (this.head < this.slots.length && this.slots[this.head].settled) this.head++;
    // Compact now and then so the array does not grow with everything ever taken.
    if (this.head > 1024 && this.head * 2 > this.slots.length) {
      this.slots.splice(0, this.head);
      this.head = 0;
    }
    const point = this.head < this.slots.length ? this.slots[this.head].offset : this.end;
    if (point === null || (this.committed !== null && point <= this.committed)) return null;
    this.committed = point;
    return point;
  }
}

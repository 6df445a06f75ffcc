import { EachBatchPayload, Message, TopicMessages } from 'kafkajs';
import { Topics } from '@app/contracts';
import { RecordOutcome } from './fanout.service';
import { QuarantineKind } from './quarantine';
import { PartitionProducer, TransactionSlot } from './partition-producers';
import { OpenTransaction } from './transactional-producer';

/** What a transaction's records came to, for the metrics once it is committed (the outcomes themselves are let go). */
export class Tally {
  accepted = 0;
  duplicates = 0;
  deliveries = 0;
  filteredOut = 0;
  readonly quarantined: QuarantineKind[] = [];
  /** Kafka timestamps of the records that made delivery messages, for the stage metrics. */
  readonly publishedAts: number[] = [];

  add(outcomes: readonly RecordOutcome[]): void {
    for (const o of outcomes) {
      if (o.accepted) this.accepted++;
      if (o.duplicate) this.duplicates++;
      this.deliveries += o.deliveries.length;
      this.filteredOut += o.filteredOut;
      if (o.quarantined) this.quarantined.push(o.quarantined.kind);
    }
  }
}

/**
 * Another instance initialised the transactional id of one of this round's partitions: the group gave the
 * partition away, so this instance's generation is out of date. Typed as kafkajs' rebalance errors so the
 * consumer rejoins the group as it does for those, instead of crashing, leaving and joining again (which
 * starts one more rebalance, moving partitions from under the other instances' open transactions in turn).
 */
export class PartitionTakenError extends Error {
  readonly type = 'REBALANCE_IN_PROGRESS';

  constructor(cause: unknown) {
    super(`a partition of this round was taken by another fan-out instance: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'PartitionTakenError';
  }
}

/** One input partition's part of a round: what was taken, what is to be sent, what was committed. */
export class PartitionRound {
  /** Records below this offset were committed before this round (by this instance or a fenced one). */
  readonly from: bigint | null;
  transaction: OpenTransaction | null = null;
  /** The partition's transaction turn the open transaction was begun in. */
  slot: TransactionSlot | null = null;
  deliveries: Message[] = [];
  quarantined: Message[] = [];
  bytes = 0;
  tally = new Tally();
  /** The first record taken since the last commit: where the partition is read again if its transaction fails. */
  firstUncommitted: string | null = null;
  /** The last record taken into the open transaction, and the last one committed. */
  private lastTaken: string | null = null;
  private lastCommitted: string | null = null;
  /** The last record reported to kafkajs as done while its transaction still commits (decision 0017). */
  private handedOff: string | null = null;

  constructor(
    readonly batch: EachBatchPayload['batch'],
    readonly entry: PartitionProducer,
    /** When the fan-out was handed the batch (epoch ms): the start of its stages. */
    readonly readAt: number,
    /** The partition's count of failed transactions when the batch was handed: if it moved since, nothing of it may commit. */
    readonly failuresSeen: number,
  ) {
    this.from = entry.committedFrom;
  }

  take(offset: string, outcome: RecordOutcome, publishedAt: number): void {
    this.firstUncommitted ??= offset;
    this.lastTaken = offset;
    this.bytes += outputBytes(outcome);
    this.tally.add([outcome]);
    if (outcome.deliveries.length > 0) this.tally.publishedAts.push(publishedAt);
  }

  drain(): TopicMessages[] {
    const outgoing = [
      { topic: Topics.deliveries, messages: this.deliveries },
      { topic: Topics.quarantine, messages: this.quarantined },
    ].filter((t) => t.messages.length > 0);
    this.deliveries = [];
    this.quarantined = [];
    return outgoing;
  }

  /**
   * The offset to commit for what was taken since the last commit: one past the last record, or past the
   * batch's own last offset when the batch is done (that skips a trailing control record). Null: nothing new.
   */
  commitOffset(): string | null {
    if (this.lastTaken === null || this.lastTaken === this.lastCommitted) return null;
    const last = this.lastTaken === this.batch.messages[this.batch.messages.length - 1].offset ? this.batch.lastOffset() : this.lastTaken;
    return (BigInt(last) + 1n).toString();
  }

  committed(offset: string): void {
    this.firstUncommitted = null;
    this.lastCommitted = this.lastTaken;
    this.entry.committedFrom = BigInt(offset);
    this.bytes = 0;
  }

  /** Everything taken is in the transaction and only its commit is left: kafkajs may read on meanwhile. */
  handOff(): void {
    this.handedOff = this.lastTaken;
  }

  /**
   * Tells kafkajs how far this partition got: what was handed off or committed, and what was skipped as
   * committed before. A handed-off transaction that fails rewinds kafkajs (a seek) to its first record.
   */
  resolve(live: EachBatchPayload[]): void {
    const payload = live.find((p) => p.batch === this.batch);
    if (!payload) return;
    const through = this.handedOff ?? this.lastCommitted;
    if (through !== null) {
      const done = through === this.batch.messages[this.batch.messages.length - 1].offset ? this.batch.lastOffset() : through;
      payload.resolveOffset(done);
    } else if (this.from !== null) {
      const skipped = this.batch.messages.filter((m) => BigInt(m.offset) < (this.from as bigint));
      if (skipped.length > 0) payload.resolveOffset(skipped[skipped.length - 1].offset);
    }
  }
}

function outputBytes(outcome: RecordOutcome): number {
  let bytes = 0;
  for (const m of outcome.deliveries) bytes += (m.value as Buffer).length + 64;
  const q = outcome.quarantined?.message.value;
  if (q) bytes += q.length + 256;
  return bytes;
}

import { EachBatchPayload, Message, TopicMessages } from 'kafkajs';
import { Topics } from '@app/contracts';
import { RecordOutcome } from './fanout.service';
import { QuarantineKind } from './quarantine';

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
 * The group refused this round's offsets (it moved on to a new generation, or no longer knows this member): a
 * partition of the round may be someone else's now. Typed as kafkajs' rebalance errors so the consumer rejoins
 * the group as it does for those, instead of crashing, leaving and joining again (which starts one more
 * rebalance, moving partitions from under the other instances' open transactions in turn).
 */
export class PartitionTakenError extends Error {
  readonly type = 'REBALANCE_IN_PROGRESS';

  constructor(cause: unknown) {
    super(`the consumer group refused this fan-out round's offsets: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'PartitionTakenError';
  }
}

/** The group coordinator's answers that mean this member's generation is out of date. */
const GROUP_MOVED_ON = new Set(['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID', 'REBALANCE_IN_PROGRESS']);

/** The error, or one it wraps, is the group refusing this member's generation (see PartitionTakenError). */
export function isGroupMovedOn(err: unknown): boolean {
  for (let e = err as { type?: string; cause?: unknown; originalError?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.type === 'string' && GROUP_MOVED_ON.has(e.type)) return true;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return false;
}

/** One input partition's part of a round: what was taken, what is to be sent, what was committed. */
export class PartitionRound {
  deliveries: Message[] = [];
  quarantined: Message[] = [];
  bytes = 0;
  tally = new Tally();
  /** The last record taken into the open transaction, and the last one committed. */
  private lastTaken: string | null = null;
  private lastCommitted: string | null = null;
  /** The last record reported to kafkajs as done while its transaction still commits (decision 0017). */
  private handedOff: string | null = null;

  constructor(
    readonly batch: EachBatchPayload['batch'],
    /** When the fan-out was handed the batch (epoch ms): the start of its stages. */
    readonly readAt: number,
  ) {}

  take(offset: string, outcome: RecordOutcome, publishedAt: number): void {
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

  committed(): void {
    this.lastCommitted = this.lastTaken;
    this.bytes = 0;
  }

  /** Everything taken is in the transaction and only its commit is left: kafkajs may read on meanwhile. */
  handOff(): void {
    this.handedOff = this.lastTaken;
  }

  /**
   * Tells kafkajs how far this partition got: what was handed off or committed. A handed-off transaction that
   * fails rewinds kafkajs (a seek) to where the partition's last commit left it (FanoutConsumer.rewind).
   */
  resolve(live: EachBatchPayload[]): void {
    const payload = live.find((p) => p.batch === this.batch);
    if (!payload) return;
    const through = this.handedOff ?? this.lastCommitted;
    if (through !== null) {
      const done = through === this.batch.messages[this.batch.messages.length - 1].offset ? this.batch.lastOffset() : through;
      payload.resolveOffset(done);
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

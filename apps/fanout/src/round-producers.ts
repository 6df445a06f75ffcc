import { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { TransactionalProducer } from './transactional-producer';

/** A claim on the instance's next transaction (RoundProducers.claim). */
export interface TransactionSlot {
  readonly producer: TransactionalProducer;
  /** The transaction before this one: this one commits only after it committed. Never rejects. */
  readonly previous: Promise<unknown>;
  /** When `producer` is free: its own previous transaction (two before this one) has ended. Never rejects. */
  readonly free: Promise<unknown>;
  readonly index: number;
}

/**
 * The fan-out instance's transactional producers: every round is one transaction, across all the input
 * partitions it read (decision 0031). Two ids taken in turn (decision 0017): the coordinator answers EndTxn
 * before it has written the commit markers and refuses the same id's next transaction until they are (~5 ms
 * here), so the next round's transaction begins on the other id while the previous one still commits.
 *
 * The ids belong to this process (`webhooks-fanout.<group>.<INSTANCE_ID>#0` and `#1`), not to an
 * input partition: who may commit a partition's offsets is decided by the consumer group. Each transaction's
 * offsets carry the generation and member id its batches were handed under (TxnOffsetCommit v3, KIP-447), and
 * the coordinator refuses them once the group has moved on, so a stale instance's transaction aborts; the
 * consumer reads its starting offsets with `requireStableOffsets`, so the next owner of a partition waits for
 * a transaction that holds its offsets to end instead of reading past it. A process restarted with the same
 * INSTANCE_ID (a pod name) aborts its predecessor's open transaction at start; otherwise that transaction ends
 * when the coordinator times it out (FANOUT_TRANSACTION_TIMEOUT_MS).
 */
export class RoundProducers {
  /**
   * The last transaction while it commits, after its round has returned to kafkajs: settles with null when it
   * committed, with the error when it failed or did not commit. Never rejects.
   */
  pending: Promise<unknown> = Promise.resolve(null);
  private turn = 0;
  private readonly lastOf: Promise<unknown>[] = [Promise.resolve(null), Promise.resolve(null)];
  private producers: readonly [TransactionalProducer, TransactionalProducer] | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
    private readonly instanceId: string,
    private readonly transactionTimeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /** The instance's two ids: both end in a fixed-length suffix, so no other INSTANCE_ID's ids can equal either. */
  static transactionalIds(groupId: string, instanceId: string): [string, string] {
    const id = `webhooks-fanout.${groupId}.${instanceId}`;
    return [`${id}#0`, `${id}#1`];
  }

  /** Initialises both ids before anything is read: each InitProducerId aborts what a predecessor with the id left open. */
  async connect(): Promise<void> {
    if (this.producers) return;
    const [first, second] = RoundProducers.transactionalIds(this.groupId, this.instanceId).map((id) => new TransactionalProducer(this.kafka, id, this.logger, this.transactionTimeoutMs));
    const connected = await Promise.allSettled([first.connect(), second.connect()]);
    const failed = connected.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all([first.disconnect(), second.disconnect()]).catch(() => undefined);
      throw failed.reason;
    }
    this.producers = [first, second];
  }

  /** Claims the next transaction; `committing` must follow once it is to commit. */
  claim(): TransactionSlot {
    if (!this.producers) throw new Error('the fan-out transactional producers are not connected');
    const index = this.turn;
    this.turn = 1 - index;
    return { producer: this.producers[index], previous: this.pending, free: this.lastOf[index], index };
  }

  /** The claimed transaction is committing: `outcome` (never rejecting) is now the last. */
  committing(slot: TransactionSlot, outcome: Promise<unknown>): void {
    this.pending = outcome;
    this.lastOf[slot.index] = outcome;
  }

  /** Every transaction still committing has finished (committed or failed). */
  async settled(): Promise<void> {
    await this.pending;
  }

  /** A transaction still committing finishes first: closing under it would leave its outcome unknown. */
  async close(): Promise<void> {
    await this.settled();
    const producers = this.producers;
    this.producers = null;
    await Promise.all((producers ?? []).map((p) => p.disconnect().catch((err: unknown) => this.logger.warn({ err }, 'could not close a fan-out producer'))));
  }
}

import { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { TransactionalProducer } from './transactional-producer';

/** The key of one input partition in the fan-out's per-partition maps. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** A claim on a partition's next transaction (PartitionProducer.claim). */
export interface TransactionSlot {
  readonly producer: TransactionalProducer;
  /** The partition's transaction before this one: this one commits only after it committed. Never rejects. */
  readonly previous: Promise<unknown>;
  /** When `producer` is free: its own previous transaction (two before this one) has ended. Never rejects. */
  readonly free: Promise<unknown>;
  readonly index: number;
}

/**
 * The transactional producers of one input partition, and where that partition's committed offset stood at
 * their last fencing. Two ids taken in turn (decision 0017): the coordinator answers EndTxn before it has
 * written the commit markers and refuses the same id's next transaction until they are (~5 ms here), so a
 * partition's next transaction begins on the other id while the previous one still commits.
 */
export class PartitionProducer {
  /**
   * Records below this offset are already fanned out and committed (by us or by an instance fenced since):
   * they are skipped. Null until checked after the producers' latest InitProducerId.
   */
  committedFrom: bigint | null = null;
  checkedGeneration = -1;
  /**
   * The partition's last transaction while it commits, after its round has returned to kafkajs: settles with
   * null when it committed, with the error when it failed or did not commit. Never rejects.
   */
  pending: Promise<unknown> = Promise.resolve(null);
  /** One past the last record handed to a transaction of this partition (committed or still committing). */
  takenTo: bigint | null = null;
  private turn = 0;
  private readonly lastOf: Promise<unknown>[] = [Promise.resolve(null), Promise.resolve(null)];

  constructor(readonly producers: readonly [TransactionalProducer, TransactionalProducer]) {}

  /** Changes with every InitProducerId of either producer (each one fences a previous holder of that id). */
  get generation(): number {
    return this.producers[0].generation + this.producers[1].generation;
  }

  get fenced(): boolean {
    return this.producers.some((p) => p.fenced);
  }

  /** Claims the partition's next transaction; `committing` must follow once it is to commit. */
  claim(): TransactionSlot {
    const index = this.turn;
    this.turn = 1 - index;
    return { producer: this.producers[index], previous: this.pending, free: this.lastOf[index], index };
  }

  /** The claimed transaction is committing: `outcome` (never rejecting) is now the partition's last. */
  committing(slot: TransactionSlot, outcome: Promise<unknown>): void {
    this.pending = outcome;
    this.lastOf[slot.index] = outcome;
  }

  async disconnect(): Promise<void> {
    await this.pending;
    await Promise.all(this.producers.map((p) => p.disconnect()));
  }
}

/**
 * Transactional ids per input partition (`webhooks-fanout.<group>.<topic>.<partition>`, and the same with `~1`,
 * taken in turn), the pattern Kafka Streams used before KIP-447. Whoever processes a partition first initialises that partition's id, which
 * bumps its epoch: a stale instance that still works on the partition (frozen across a rebalance, then
 * resumed) can no longer add to, or commit, its transaction, and one it left open is aborted. Fencing so
 * depends on the partition, not on a restarted process choosing the same INSTANCE_ID.
 *
 * Fencing alone leaves one race: a stale instance's commit may land after the new owner read its starting
 * offset and before the new owner's InitProducerId. So after every InitProducerId the committed offset is
 * read again (InitProducerId returns only once the fenced transaction is complete, so the answer includes
 * it) and records below it are skipped: each epoch commits only from where the previous one ended.
 */
export class PartitionProducers {
  private readonly producers = new Map<string, PartitionProducer>();
  private admin: Admin | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
    private readonly logger: Logger,
  ) {}

  /** The partition's two ids; `~` cannot occur in a topic name, so no other partition's id can equal the second. */
  static transactionalIds(groupId: string, topic: string, partition: number): [string, string] {
    const id = `webhooks-fanout.${groupId}.${topic}.${partition}`;
    return [id, `${id}~1`];
  }

  /** The partition's producer, fenced and with its committed offset checked. */
  async get(topic: string, partition: number): Promise<PartitionProducer> {
    const key = partitionKey(topic, partition);
    let entry = this.producers.get(key);
    // Fenced by another instance: that one has the partition now. Reached again only after this instance
    // rejoined and was given the partition back, so taking the ids back is right.
    if (entry?.fenced) {
      this.producers.delete(key);
      await entry.disconnect().catch((err: unknown) => this.logger.warn({ err }, 'could not close a fenced fan-out producer'));
      entry = undefined;
    }
    if (!entry) {
      const [first, second] = PartitionProducers.transactionalIds(this.groupId, topic, partition).map((id) => new TransactionalProducer(this.kafka, id, this.logger));
      // Both are initialised before anything is read: each InitProducerId fences a stale holder of that id.
      const connected = await Promise.allSettled([first.connect(), second.connect()]);
      const failed = connected.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        await Promise.all([first.disconnect(), second.disconnect()]).catch(() => undefined);
        throw failed.reason;
      }
      entry = new PartitionProducer([first, second]);
      this.producers.set(key, entry);
    }
    if (entry.checkedGeneration !== entry.generation) {
      const generation = entry.generation;
      entry.committedFrom = await this.committedOffset(topic, partition);
      entry.checkedGeneration = generation;
    }
    return entry;
  }

  /** The partition's producer if this instance has one, without creating or checking it. */
  peek(topic: string, partition: number): PartitionProducer | undefined {
    return this.producers.get(partitionKey(topic, partition));
  }

  /** After a rebalance: producers of partitions no longer ours are closed (a later owner fences their ids anyway). */
  async retain(assignment: Record<string, number[]>): Promise<void> {
    const keep = new Set(Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((p) => partitionKey(topic, p))));
    const closing = [...this.producers].filter(([key]) => !keep.has(key));
    for (const [key] of closing) this.producers.delete(key);
    // A transaction still committing finishes first: closing under it would leave its outcome unknown.
    await Promise.all(closing.map(([, e]) => e.disconnect().catch((err: unknown) => this.logger.warn({ err }, 'could not close a fan-out producer'))));
    // The ones kept may have been someone else's in between: check their committed offset again.
    for (const entry of this.producers.values()) entry.checkedGeneration = -1;
  }

  /** Every transaction still committing has finished (committed or failed). */
  async settled(): Promise<void> {
    await Promise.all([...this.producers.values()].map((e) => e.pending));
  }

  async closeAll(): Promise<void> {
    await this.retain({});
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = null;
  }

  private async committedOffset(topic: string, partition: number): Promise<bigint | null> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    const [answer] = await this.admin.fetchOffsets({ groupId: this.groupId, topics: [topic] });
    const offset = answer?.partitions.find((p) => p.partition === partition)?.offset;
    return offset === undefined || offset === '-1' ? null : BigInt(offset);
  }
}

import { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { TransactionalProducer } from './transactional-producer';

/** A transactional producer of one input partition, and where that partition's committed offset stood at its last fencing. */
export interface PartitionProducer {
  readonly producer: TransactionalProducer;
  /**
   * Records below this offset are already fanned out and committed (by us or by an instance fenced since):
   * they are skipped. Null until checked after the producer's latest InitProducerId.
   */
  committedFrom: bigint | null;
  checkedGeneration: number;
  /**
   * The partition's last transaction while it commits after its round has returned to kafkajs (decision 0017):
   * settles with null when it committed, with the error when it failed. Never rejects.
   */
  pending: Promise<unknown>;
  /** One past the last record handed to a transaction of this partition (committed or still committing). */
  takenTo: bigint | null;
}

/**
 * One transactional id per input partition (`webhooks-fanout.<group>.<topic>.<partition>`), the pattern Kafka
 * Streams used before KIP-447. Whoever processes a partition first initialises that partition's id, which
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

  static transactionalId(groupId: string, topic: string, partition: number): string {
    return `webhooks-fanout.${groupId}.${topic}.${partition}`;
  }

  /** The partition's producer, fenced and with its committed offset checked. */
  async get(topic: string, partition: number): Promise<PartitionProducer> {
    const key = `${topic}\u0000${partition}`;
    let entry = this.producers.get(key);
    // Fenced by another instance: that one has the partition now. Reached again only after this instance
    // rejoined and was given the partition back, so taking the id back is right.
    if (entry?.producer.fenced) {
      this.producers.delete(key);
      entry = undefined;
    }
    if (!entry) {
      const producer = new TransactionalProducer(this.kafka, PartitionProducers.transactionalId(this.groupId, topic, partition), this.logger);
      await producer.connect();
      entry = { producer, committedFrom: null, checkedGeneration: 0, pending: Promise.resolve(null), takenTo: null };
      this.producers.set(key, entry);
    }
    if (entry.checkedGeneration !== entry.producer.generation) {
      const generation = entry.producer.generation;
      entry.committedFrom = await this.committedOffset(topic, partition);
      entry.checkedGeneration = generation;
    }
    return entry;
  }

  /** The partition's producer if this instance has one, without creating or checking it. */
  peek(topic: string, partition: number): PartitionProducer | undefined {
    return this.producers.get(`${topic}\u0000${partition}`);
  }

  /** After a rebalance: producers of partitions no longer ours are closed (a later owner fences their ids anyway). */
  async retain(assignment: Record<string, number[]>): Promise<void> {
    const keep = new Set(Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}\u0000${p}`)));
    const closing = [...this.producers].filter(([key]) => !keep.has(key));
    for (const [key] of closing) this.producers.delete(key);
    // A transaction still committing finishes first: closing under it would leave its outcome unknown.
    await Promise.all(closing.map(([, e]) => e.pending));
    await Promise.all(closing.map(([, e]) => e.producer.disconnect().catch((err: unknown) => this.logger.warn({ err }, 'could not close a fan-out producer'))));
    // The ones kept may have been someone else's in between: check their committed offset again.
    for (const entry of this.producers.values()) entry.checkedGeneration = 0;
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

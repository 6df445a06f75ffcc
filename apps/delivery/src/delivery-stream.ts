import { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { Headers } from '@app/contracts';
import { KeptConsumer, retryAtStartup } from '@app/messaging';
import { ChunkDeliverer } from './chunk-deliverer';
import { PartitionWorker } from './partition-worker';

export interface DeliveryStreamOptions {
  /** For logs: "deliveries" or "retry tiers". */
  name: string;
  groupId: string;
  topics: string[];
  sessionTimeoutMs: number;
  /**
   * Retry tiers: a message is attempted only once its `x-due-at` has come. Every message of a tier
   * waits the same time, so a partition is in due order and its head decides.
   */
  holdUntilDue: boolean;
  /** Whether its attempts may probe an endpoint whose breaker is due to half-open (the retry tiers only). */
  probesBrokenEndpoints: boolean;
  /** See DELIVERY_STALLED_CHUNK_MS. */
  stalledChunkMs: number;
}

/**
 * One consumer group reading delivery messages and attempting them: the deliveries topic, or the
 * retry tiers (each instance runs one of each).
 *
 * kafkajs fetches for all partitions together and waits for every batch of a fetch before the
 * next one, so work done inside `eachBatch` would let one partition stuck behind a timing-out
 * endpoint stall all the others. `eachBatch` therefore only hands each batch to its partition's
 * worker (see PartitionWorker): the workers attempt chunks, make each chunk durable (ChunkDeliverer)
 * and only then commit it, while fetching goes on. Heartbeats never wait on a receiver.
 *
 * A retry tier's not-yet-due head pauses only its own partition, and a timer seeks back to it and
 * resumes at the due time: nothing sleeps in the handler, so the group stays stable while other
 * partitions and tiers keep flowing. Due retries are attempted right here rather than sent back
 * through the deliveries topic, where they would queue behind its backlog and come late.
 */
export class DeliveryStream {
  private kept: KeptConsumer | null = null;
  private running = false;
  private stopping = false;
  private readonly workers = new Map<string, PartitionWorker>();
  private readonly gates = new Map<string, PauseGate>();

  constructor(
    private readonly options: DeliveryStreamOptions,
    private readonly kafka: Kafka,
    private readonly deliverer: ChunkDeliverer,
    private readonly logger: Logger,
  ) {}

  /** True once the group has given this instance its partitions, not merely when it asked to join. */
  isRunning(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    // Replaced when kafkajs gives up on it (e.g. after a broker restart), so the stream never stops reading.
    this.kept = new KeptConsumer({
      name: `${this.options.name} consumer`,
      logger: this.logger,
      create: () => this.createConsumer(),
      run: (consumer) => this.run(consumer),
      onCrash: () => (this.running = false),
    });
    await this.kept.start();
  }

  private createConsumer(): Consumer {
    // A new consumer starts every partition from its committed offset; the workers and gates of a
    // previous one would commit, seek and resume through it: drop them.
    this.forgetQueuedAndHeld();
    this.workers.clear();
    this.gates.clear();
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: this.options.sessionTimeoutMs,
      heartbeatInterval: Math.min(3_000, this.options.sessionTimeoutMs / 3),
      maxWaitTimeInMs: 50,
      maxBytesPerPartition: 256 * 1024,
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.running = true;
      // The group restarts every partition from its committed offset: drop what was queued or held.
      this.forgetQueuedAndHeld();
    });
    return consumer;
  }

  private forgetQueuedAndHeld(): void {
    for (const worker of this.workers.values()) worker.reset();
    for (const gate of this.gates.values()) gate.clear();
  }

  private async run(consumer: Consumer): Promise<void> {
    await retryAtStartup(`subscribing to the ${this.options.name}`, () => consumer.subscribe({ topics: this.options.topics, fromBeginning: true }));
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Batches are only queued (the work runs beside the fetch loop), so one at a time is enough.
      partitionsConsumedConcurrently: 1,
      eachBatch: async (payload) => this.takeBatch(consumer, payload),
    });
  }

  private takeBatch(consumer: Consumer, { batch, resolveOffset }: EachBatchPayload): void {
    // A batch not taken is not resolved, so it is simply fetched again (or by the next owner).
    if (this.stopping || batch.messages.length === 0) return;
    const { topic, partition } = batch;
    const key = `${topic}/${partition}`;
    let gate = this.gates.get(key);
    if (!gate) this.gates.set(key, (gate = new PauseGate(consumer, topic, partition)));
    let worker = this.workers.get(key);
    if (!worker) {
      worker = new PartitionWorker(topic, partition, {
        deliver: (messages, abandoned, attempted) => this.deliverer.deliver(messages, { abandoned, attempted, mayProbe: this.options.probesBrokenEndpoints }),
        commit: (offset) => consumer.commitOffsets([{ topic, partition, offset }]),
        seek: (offset) => consumer.seek({ topic, partition, offset }),
        isStopping: () => this.stopping,
        logger: this.logger,
        stallMs: this.options.stalledChunkMs,
        heldBySlowCalls: (chunk) => this.deliverer.heldBySlowCalls(chunk, this.options.stalledChunkMs),
      });
      this.workers.set(key, worker);
    }

    let messages = batch.messages;
    let hold: KafkaMessage | null = null;
    if (this.options.holdUntilDue) {
      const now = Date.now();
      const firstNotDue = messages.findIndex((m) => dueAt(m) > now);
      if (firstNotDue >= 0) {
        hold = messages[firstNotDue];
        messages = messages.slice(0, firstNotDue);
      }
    }
    if (messages.length > 0) {
      const backlog = gate;
      // Resolving moves only the fetch position (autoCommit is off): commits come from the worker.
      if (!worker.push(messages, () => backlog.hold('backlog'))) return;
      resolveOffset(messages[messages.length - 1].offset);
    }
    if (hold) gate.holdUntil(dueAt(hold), () => consumer.seek({ topic, partition, offset: hold.offset }));
  }

  /**
   * Runs before any resource closes: new batches are refused, each partition's work stops at its
   * next chunk boundary (committed), then the consumer leaves the group so the partitions move on
   * at once instead of after a session timeout.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.running = false;
    for (const gate of this.gates.values()) gate.clear();
    await Promise.allSettled([...this.workers.values()].map((w) => w.idle()));
    await this.kept?.stop();
  }
}

function dueAt(message: KafkaMessage): number {
  return Number(message.headers?.[Headers.dueAt]?.toString() ?? 0);
}

/**
 * Pauses one partition while any reason holds it (a full queue, a head not yet due) and resumes
 * it when none is left, so one reason ending never resumes a partition another still holds.
 */
class PauseGate {
  private readonly reasons = new Set<string>();
  private dueTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly consumer: Consumer,
    private readonly topic: string,
    private readonly partition: number,
  ) {}

  /** Returns the release for this reason. */
  hold(reason: string): () => void {
    if (this.reasons.size === 0) this.consumer.pause([{ topic: this.topic, partitions: [this.partition] }]);
    this.reasons.add(reason);
    return () => this.release(reason);
  }

  /** Holds the partition until `at`, then runs `beforeResume` (the seek back to the held message). */
  holdUntil(at: number, beforeResume: () => void): void {
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.hold('not-due');
    this.dueTimer = setTimeout(() => {
      this.dueTimer = null;
      beforeResume();
      this.release('not-due');
    }, Math.max(0, at - Date.now()));
  }

  /** After a rebalance or at shutdown: no timer left, nothing held. */
  clear(): void {
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueTimer = null;
    for (const reason of [...this.reasons]) this.release(reason);
  }

  private release(reason: string): void {
    if (!this.reasons.delete(reason)) return;
    if (this.reasons.size === 0) this.consumer.resume([{ topic: this.topic, partitions: [this.partition] }]);
  }
}

import { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, PartitionAssigner } from 'kafkajs';
import type { Logger } from 'pino';
import { decodeDeliveryMessage, DeliveryMessage, Headers } from '@app/contracts';
import { decodeSettledOffsets, EngineCommit, EngineMessage, encodeSettledOffsets, fetchWaitMs, LaneEngine } from '@app/delivery-engine';
import { KeptConsumer, retryAtStartup, withinDeadline } from '@app/messaging';
import { AttemptResult, FirstDeliveryStages } from './delivery.service';

/**
 * A fetched delivery message: decoded, or kept as it came with the reason it could not be. Nothing else of the
 * kafkajs message is kept: its buffers are views into the whole fetch response, so holding one message would
 * hold the response for as long as the message waits for its lane.
 */
export type FetchedDelivery =
  | {
      decoded: DeliveryMessage;
      unreadable: null;
      /** Where a first delivery's stages started; null for retries, resends, replays and test events. */
      stages: FirstDeliveryStages | null;
    }
  | { decoded: null; unreadable: UnreadableDelivery; stages: null };

/** What the quarantine needs of a message that could not be decoded: copies of its key and value, and why. */
export interface UnreadableDelivery {
  reason: string;
  key: Buffer | null;
  value: Buffer | null;
}

export type DeliveryEngine = LaneEngine<FetchedDelivery, AttemptResult>;

export interface DeliveryStreamOptions {
  /** For logs: "deliveries topic" or "retry tiers". */
  name: string;
  groupId: string;
  /** Topic names or one pattern (the retry tiers: every tier topic there is, in the schedule or not). */
  topics: Array<string | RegExp>;
  sessionTimeoutMs: number;
  /** kafkajs' round robin when absent. */
  partitionAssigners?: PartitionAssigner[];
}

/**
 * One consumer group feeding fetched delivery messages to the instance's lane engine: the
 * deliveries topic, or the retry tiers (each instance runs one of each, sharing one engine, so an
 * endpoint's in-flight limit counts its new deliveries and its retries together).
 *
 * `eachBatch` only hands the batch to the engine and returns: the calls run beside the fetch loop,
 * so heartbeats never wait on a receiver and one partition never holds up the next fetch. The
 * engine commits each partition up to its lowest unsettled offset. A rebalance drops what this
 * instance had in hand of the partitions it loses (their next owner starts from the committed
 * offset); the partitions it keeps keep their calls out, so a member leaving, or this one rejoining
 * after a broker outage, re-sends nothing of them.
 */
export class DeliveryStream {
  private kept: KeptConsumer | null = null;
  private consumer: Consumer | null = null;
  private running = false;
  private stopping = false;
  private leader = false;
  private admin: Admin | null = null;
  /** Reading what the previous owners of newly given partitions settled; batches wait for it. Never rejects. */
  private adopting: Promise<void> = Promise.resolve();
  /** The last batch with records, pause, resume or seek: the fetch wait stays short for a while after it. */
  private lastActivityAt = 0;

  constructor(
    private readonly options: DeliveryStreamOptions,
    private readonly kafka: Kafka,
    private readonly engine: () => DeliveryEngine,
    private readonly logger: Logger,
  ) {}

  /** True once the group has given this instance its partitions, not merely when it asked to join. */
  isRunning(): boolean {
    return this.running;
  }

  /**
   * Whether this instance leads its consumer group (kafkajs GROUP_JOIN says so; exactly one member per
   * generation). Group-wide gauges such as the consumer lag are reported by the leader only.
   */
  isGroupLeader(): boolean {
    return this.running && this.leader;
  }

  /** Whether a topic is read by this stream (the engine's calls to pause, seek and commit are routed by it). */
  owns(topic: string): boolean {
    return this.options.topics.some((t) => (typeof t === 'string' ? t === topic : t.test(topic)));
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
    // A new consumer starts every partition from its committed offset: forget what the old one had.
    this.engine().reset((topic) => this.owns(topic));
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: this.options.sessionTimeoutMs,
      heartbeatInterval: Math.min(3_000, this.options.sessionTimeoutMs / 3),
      // Read before every fetch (kafkajs patched): short while there is work, since a partition resumed or
      // sought waits for the fetch in flight; longer once quiet, to idle at a few fetches a second (decision 0027).
      maxWaitTimeInMs: () => fetchWaitMs({ now: Date.now(), lastActivityAt: this.lastActivityAt, workInHand: this.engine().hasWorkInHand() }),
      maxBytesPerPartition: 256 * 1024,
      ...(this.options.partitionAssigners ? { partitionAssigners: this.options.partitionAssigners } : {}),
    });
    this.leader = false;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.running = true;
      this.leader = e.payload.isLeader;
      // A partition given to this instance again keeps what it has in hand: its calls out still commit, and
      // what kafkajs fetches again from the committed offset is skipped (decision 0024). Only the others are dropped.
      const assigned = assignedPartitions(e.payload.memberAssignment);
      this.engine().reset((topic, partition) => this.owns(topic) && !assigned.has(`${topic}/${partition}`));
      const given = Object.entries(e.payload.memberAssignment)
        .map(([topic, partitions]) => ({ topic, partitions: partitions.filter((p) => !this.engine().holds(topic, p)) }))
        .filter((t) => t.partitions.length > 0);
      this.adopting = this.adoptSettled(given);
    });
    this.consumer = consumer;
    return consumer;
  }

  private async run(consumer: Consumer): Promise<void> {
    await retryAtStartup(`subscribing to the ${this.options.name}`, () => consumer.subscribe({ topics: this.options.topics, fromBeginning: true }));
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Batches are only handed over (the calls run beside the fetch loop), so one at a time is enough.
      partitionsConsumedConcurrently: 1,
      eachBatch: async (payload) => this.takeBatch(payload),
    });
  }

  /**
   * Tells the engine what the previous owners of the partitions just given settled above their last commit
   * (the commit's metadata, decision 0025), so those deliveries are not made again. Best effort, bounded
   * in time: without it the next owner calls them again, as at-least-once allows; nothing is skipped.
   */
  private async adoptSettled(given: Array<{ topic: string; partitions: number[] }>): Promise<void> {
    if (given.length === 0) return;
    try {
      this.admin ??= this.kafka.admin();
      const admin = this.admin;
      const read = async () => {
        await admin.connect();
        return admin.fetchOffsets({ groupId: this.options.groupId, topics: given.map((t) => t.topic) });
      };
      const answers = await withinDeadline(read(), ADOPT_TIMEOUT_MS, 'return the committed offsets of the partitions given');
      for (const { topic, partitions } of answers) {
        const wanted = new Set(given.find((t) => t.topic === topic)?.partitions ?? []);
        for (const p of partitions) if (wanted.has(p.partition)) this.engine().adopt(topic, p.partition, decodeSettledOffsets(p.metadata));
      }
    } catch (err) {
      this.logger.warn({ err, topics: given.map((t) => t.topic) }, `${this.options.name}: could not read what the previous owners settled; their last deliveries above the committed offsets may be made again`);
    }
  }

  private async takeBatch(payload: EachBatchPayload): Promise<void> {
    await this.adopting;
    const { batch } = payload;
    // A batch not taken is not resolved, so it is fetched again (or by the next owner).
    if (this.stopping || batch.messages.length === 0) return;
    const readAt = Date.now();
    this.lastActivityAt = readAt;
    const messages = batch.messages.map((m) => toEngineMessage(batch.topic, batch.partition, m, readAt));
    const taken = this.engine().take(batch.topic, batch.partition, messages);
    // Resolving moves only the fetch position (autoCommit is off): the engine commits.
    if (taken !== null) payload.resolveOffset(taken);
  }

  pause(topic: string, partition: number): void {
    this.lastActivityAt = Date.now();
    this.consumer?.pause([{ topic, partitions: [partition] }]);
  }

  resume(topic: string, partition: number): void {
    this.lastActivityAt = Date.now();
    this.consumer?.resume([{ topic, partitions: [partition] }]);
  }

  seek(topic: string, partition: number, offset: string): void {
    this.lastActivityAt = Date.now();
    this.consumer?.seek({ topic, partition, offset });
  }

  async commit(offsets: EngineCommit[]): Promise<void> {
    if (!this.consumer) throw new Error(`the ${this.options.name} consumer is not running`);
    await this.consumer.commitOffsets(
      offsets.map(({ topic, partition, offset, settledAbove }) => ({ topic, partition, offset, metadata: encodeSettledOffsets(BigInt(offset), settledAbove) })),
    );
  }

  /** New batches are refused from now on (the engine then finishes what is in hand). */
  refuseBatches(): void {
    this.stopping = true;
    this.running = false;
    this.leader = false;
  }

  /** Leaves the group, so the partitions move on at once instead of after a session timeout. */
  async stop(): Promise<void> {
    this.refuseBatches();
    await this.kept?.stop();
    this.consumer = null;
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = null;
  }
}

/** How long a batch of a newly given partition waits for its previous owner's settled offsets (then it goes on without). */
const ADOPT_TIMEOUT_MS = 5_000;

function assignedPartitions(assignment: Record<string, number[]>): Set<string> {
  return new Set(Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}/${p}`)));
}

export function toEngineMessage(topic: string, partition: number, message: KafkaMessage, readAt: number): EngineMessage<FetchedDelivery> {
  let payload: FetchedDelivery;
  try {
    const decoded = decodeDeliveryMessage(message.value);
    payload = { decoded, unreadable: null, stages: firstDeliveryStages(decoded, readAt) };
  } catch (err) {
    const unreadable = { reason: (err as Error).message, key: copyOf(message.key), value: copyOf(message.value) };
    payload = { decoded: null, unreadable, stages: null };
  }
  return {
    topic,
    partition,
    offset: message.offset,
    laneKey: payload.decoded?.endpointId ?? message.key?.toString() ?? '',
    bytes: (message.value?.length ?? 0) + (message.key?.length ?? 0) + 64,
    dueAt: Number(message.headers?.[Headers.dueAt]?.toString() ?? 0),
    payload,
  };
}

function copyOf(buffer: Buffer | null): Buffer | null {
  return buffer ? Buffer.from(buffer) : null;
}

/** The fan-out's stage timestamps of a first delivery (absent on messages of older fan-outs). */
function firstDeliveryStages(decoded: DeliveryMessage, readAt: number): FirstDeliveryStages | null {
  const stages = decoded.stages;
  // PipelineStageMetrics.observe ignores a timestamp that is not a number.
  return decoded.trigger === 'event' && decoded.attempt === 1 && stages ? { ...stages, readAt } : null;
}

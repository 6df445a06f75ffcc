import { Inject, Injectable, BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage, Message } from 'kafkajs';
import type { Logger } from 'pino';
import { DeliveryConfig } from '@app/config';
import { decodeDeliveryMessage, DeliveryMessage, Headers, Topics } from '@app/contracts';
import { APP_LOGGER, EndpointChangeFeed, KAFKA, KafkaProducer } from '@app/messaging';
import { AttemptRecord, DeliveryRepository, EndpointDirectory } from '@app/persistence';
import { AttemptResult, DeliveryService } from './delivery.service';
import { mapWithLimit } from './map-with-limit';

/**
 * Messages attempted, made durable and committed together. It bounds the duplicates of a
 * rebalance: a chunk whose commit the rebalance refuses is attempted again by the next owner.
 */
export const CHUNK_SIZE = 100;
/** Partitions one instance works on at once (each with its own chunk in flight). */
export const PARTITIONS_IN_FLIGHT = 4;

/**
 * Consumes the deliveries topic in one consumer group shared by every delivery instance.
 * Per batch: attempt every message (endpoints concurrently, a bounded number in flight per
 * endpoint), then make the outcomes durable (retry/dead-letter messages acknowledged by Kafka,
 * attempts written to PostgreSQL), and only then commit the offset.
 */
@Injectable()
export class DeliveryConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: Consumer | null = null;
  private readonly changeFeed: EndpointChangeFeed;
  private running = false;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(DeliveryConfig) private readonly config: DeliveryConfig,
    private readonly producer: KafkaProducer,
    private readonly delivery: DeliveryService,
    private readonly deliveries: DeliveryRepository,
    private readonly directory: EndpointDirectory,
  ) {
    this.changeFeed = new EndpointChangeFeed(kafka, config.INSTANCE_ID, logger);
  }

  isRunning(): boolean {
    return this.running;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.changeFeed.start((change) => this.directory.invalidate(change.organizationId));

    const consumer = this.kafka.consumer({
      groupId: this.config.DELIVERY_GROUP_ID,
      sessionTimeout: this.config.DELIVERY_SESSION_TIMEOUT_MS,
      heartbeatInterval: Math.min(3_000, this.config.DELIVERY_SESSION_TIMEOUT_MS / 3),
      maxWaitTimeInMs: 50,
      maxBytesPerPartition: 512 * 1024,
    });
    consumer.on(consumer.events.CRASH, (e) => this.logger.error({ err: e.payload.error }, 'delivery consumer crashed; kafkajs restarts it'));
    // Ready once the group has given this instance its partitions, not merely when it asked to join.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.running = true;
    });
    await consumer.connect();
    await consumer.subscribe({ topic: Topics.deliveries, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: PARTITIONS_IN_FLIGHT,
      eachBatch: (payload) => this.handleBatch(consumer, payload),
    });
    this.consumer = consumer;
    this.logger.info({ schedule: this.delivery.schedule }, 'delivery consuming');
  }

  private async handleBatch(consumer: Consumer, { batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    // Long batches (slow receivers) must not cost the group membership.
    const beat = setInterval(() => heartbeat().catch(() => undefined), 2_000);
    try {
      // Work in chunks, each made durable and committed before the next: a rebalance or a stop then
      // redoes at most one chunk, and a stopping instance hands its partitions back within one chunk.
      for (let start = 0; start < batch.messages.length; start += CHUNK_SIZE) {
        if (!isRunning() || isStale()) return;
        const chunk = batch.messages.slice(start, start + CHUNK_SIZE);
        await this.deliverChunk(chunk);
        const last = chunk[chunk.length - 1].offset;
        resolveOffset(last);
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
      }
    } finally {
      clearInterval(beat);
    }
  }

  private async deliverChunk(messages: KafkaMessage[]): Promise<void> {
    const { decoded, unreadable } = decodeAll(messages);
    const byEndpoint = new Map<string, DeliveryMessage[]>();
    for (const m of decoded) byEndpoint.set(m.endpointId, [...(byEndpoint.get(m.endpointId) ?? []), m]);
    // Endpoints side by side, a bounded number in flight to each.
    const perEndpoint = await Promise.all(
      [...byEndpoint.values()].map((list) => mapWithLimit(list, this.config.DELIVERY_MAX_IN_FLIGHT_PER_ENDPOINT, (m) => this.delivery.attempt(m))),
    );
    await this.makeDurable(perEndpoint.flat(), unreadable);
  }

  /** Kafka first (the retry must exist), then the attempt log; a crash between them re-attempts, never loses. */
  private async makeDurable(results: AttemptResult[], unreadable: Message[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const r of results) if (r.next) byTopic.set(r.next.topic, [...(byTopic.get(r.next.topic) ?? []), r.next.message]);
    if (unreadable.length > 0) byTopic.set(Topics.deadLetters, [...(byTopic.get(Topics.deadLetters) ?? []), ...unreadable]);
    await this.producer.sendBatch([...byTopic].map(([topic, messages]) => ({ topic, messages })));
    const records: AttemptRecord[] = results.map((r) => r.record);
    await this.deliveries.recordBatch(records);
  }

  /**
   * Runs before any resource closes: kafkajs stops fetching, lets the batch in hand finish (and
   * commit), then leaves the group so the partitions move on at once instead of after a timeout.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    await this.consumer?.disconnect();
    await this.changeFeed.stop();
  }
}

/** A delivery message we cannot read is a bug upstream; it goes to the dead letters with the reason, visibly. */
function decodeAll(messages: KafkaMessage[]): { decoded: DeliveryMessage[]; unreadable: Message[] } {
  const decoded: DeliveryMessage[] = [];
  const unreadable: Message[] = [];
  for (const m of messages) {
    try {
      decoded.push(decodeDeliveryMessage(m.value));
    } catch (err) {
      unreadable.push({ key: m.key, value: m.value, headers: { [Headers.deadLetterReason]: `unreadable delivery message: ${(err as Error).message}` } });
    }
  }
  return { decoded, unreadable };
}

import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Consumer, EachBatchPayload, Kafka, Message } from 'kafkajs';
import type { Logger } from 'pino';
import { DeliveryConfig } from '@app/config';
import { decodeDeliveryMessage, DeliveryMessage, Headers, Topics } from '@app/contracts';
import { APP_LOGGER, EndpointChangeFeed, KAFKA, KafkaProducer } from '@app/messaging';
import { AttemptRecord, DeliveryRepository, EndpointDirectory } from '@app/persistence';
import { AttemptResult, DeliveryService } from './delivery.service';
import { mapWithLimit } from './map-with-limit';

/**
 * Consumes the deliveries topic in one consumer group shared by every delivery instance.
 * Per batch: attempt every message (endpoints concurrently, a bounded number in flight per
 * endpoint), then make the outcomes durable (retry/dead-letter messages acknowledged by Kafka,
 * attempts written to PostgreSQL), and only then commit the offset.
 */
@Injectable()
export class DeliveryConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
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
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      maxWaitTimeInMs: 50,
      maxBytesPerPartition: 512 * 1024,
    });
    consumer.on(consumer.events.CRASH, (e) => this.logger.error({ err: e.payload.error }, 'delivery consumer crashed; kafkajs restarts it'));
    await consumer.connect();
    await consumer.subscribe({ topic: Topics.deliveries, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: Math.min(this.config.KAFKA_TOPIC_PARTITIONS, 8),
      eachBatch: (payload) => this.handleBatch(consumer, payload),
    });
    this.consumer = consumer;
    this.running = true;
    this.logger.info({ schedule: this.delivery.schedule }, 'delivery consuming');
  }

  private async handleBatch(consumer: Consumer, { batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    // Long batches (slow receivers) must not cost the group membership.
    const beat = setInterval(() => heartbeat().catch(() => undefined), 2_000);
    try {
      const { decoded, unreadable } = decodeAll(batch.messages);
      const byEndpoint = new Map<string, DeliveryMessage[]>();
      for (const m of decoded) byEndpoint.set(m.endpointId, [...(byEndpoint.get(m.endpointId) ?? []), m]);

      const perEndpoint = await Promise.all(
        [...byEndpoint.values()].map((messages) =>
          mapWithLimit(messages, this.config.DELIVERY_MAX_IN_FLIGHT_PER_ENDPOINT, (m) => this.delivery.attempt(m)),
        ),
      );
      const results: AttemptResult[] = perEndpoint.flat();
      await this.makeDurable(results, unreadable);
      resolveOffset(batch.lastOffset());
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }]);
    } finally {
      clearInterval(beat);
    }
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

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    await this.consumer?.disconnect();
    await this.changeFeed.stop();
  }
}

/** A delivery message we cannot read is a bug upstream; it goes to the dead letters with the reason, visibly. */
function decodeAll(messages: Array<{ key: Buffer | null; value: Buffer | null; offset: string }>): { decoded: DeliveryMessage[]; unreadable: Message[] } {
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

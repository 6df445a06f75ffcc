import { Inject, Injectable, BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage, Message } from 'kafkajs';
import type { Logger } from 'pino';
import { DeliveryConfig } from '@app/config';
import { decodeDeliveryMessage, DeliveryMessage, Headers, Topics } from '@app/contracts';
import { APP_LOGGER, EndpointChangeFeed, KAFKA, KafkaProducer, retryAtStartup } from '@app/messaging';
import { AttemptRecord, DeliveryRepository, EndpointDirectory } from '@app/persistence';
import { AttemptResult, DeliveryService } from './delivery.service';
import { mapWithLimit } from './map-with-limit';

/**
 * Messages attempted, made durable and committed together. It bounds the duplicates of a
 * rebalance: a chunk whose commit the rebalance refuses is attempted again by the next owner.
 */
export const CHUNK_SIZE = 100;

/**
 * Consumes the deliveries topic in one consumer group shared by every delivery instance.
 *
 * kafkajs fetches for all partitions together and waits for every batch of a fetch before the
 * next one, so a partition stuck behind a timing-out endpoint would stall all the others. Each
 * batch is therefore worked off the fetch loop: its partition is paused, the batch is attempted in
 * chunks (endpoints concurrently, a bounded number in flight per endpoint), each chunk is made
 * durable (retry/dead-letter messages acknowledged by Kafka, attempts in PostgreSQL) and only then
 * committed; finally the partition seeks to the first uncommitted offset and resumes. Heartbeats
 * go on meanwhile because the fetch loop never waits on a receiver.
 */
@Injectable()
export class DeliveryConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: Consumer | null = null;
  private readonly changeFeed: EndpointChangeFeed;
  private running = false;
  private stopping = false;
  /** The batch being worked on, per partition. */
  private readonly jobs = new Map<string, Promise<void>>();

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
    await retryAtStartup('subscribing to endpoint changes', () => this.changeFeed.start((change) => this.directory.invalidate(change.organizationId)));

    const consumer = this.kafka.consumer({
      groupId: this.config.DELIVERY_GROUP_ID,
      sessionTimeout: this.config.DELIVERY_SESSION_TIMEOUT_MS,
      heartbeatInterval: Math.min(3_000, this.config.DELIVERY_SESSION_TIMEOUT_MS / 3),
      maxWaitTimeInMs: 50,
      maxBytesPerPartition: 256 * 1024,
    });
    consumer.on(consumer.events.CRASH, (e) => this.logger.error({ err: e.payload.error }, 'delivery consumer crashed; kafkajs restarts it'));
    // Ready once the group has given this instance its partitions, not merely when it asked to join.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.running = true;
    });
    await consumer.connect();
    await retryAtStartup('subscribing to the deliveries topic', () => consumer.subscribe({ topic: Topics.deliveries, fromBeginning: true }));
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Batches return at once (the work runs beside the fetch loop), so one at a time is enough.
      partitionsConsumedConcurrently: 1,
      eachBatch: async (payload) => this.takeBatch(consumer, payload),
    });
    this.consumer = consumer;
    this.logger.info({ schedule: this.delivery.schedule }, 'delivery consuming');
  }

  private takeBatch(consumer: Consumer, { batch, pause }: EachBatchPayload): void {
    const key = `${batch.topic}/${batch.partition}`;
    // Nothing is resolved here: a batch not taken is simply fetched again later.
    if (this.stopping || batch.messages.length === 0 || this.jobs.has(key)) return;
    const resume = pause();
    const job = this.work(consumer, batch.topic, batch.partition, batch.messages).then((nextOffset) => {
      if (this.stopping) return;
      consumer.seek({ topic: batch.topic, partition: batch.partition, offset: nextOffset });
      resume();
    });
    this.jobs.set(
      key,
      job.finally(() => this.jobs.delete(key)),
    );
  }

  /** Works one batch chunk by chunk; returns the first offset not committed. */
  private async work(consumer: Consumer, topic: string, partition: number, messages: KafkaMessage[]): Promise<string> {
    let next = messages[0].offset;
    try {
      for (let start = 0; start < messages.length && !this.stopping; start += CHUNK_SIZE) {
        const chunk = messages.slice(start, start + CHUNK_SIZE);
        await this.deliverChunk(chunk);
        const after = (BigInt(chunk[chunk.length - 1].offset) + 1n).toString();
        await consumer.commitOffsets([{ topic, partition, offset: after }]);
        next = after;
      }
    } catch (err) {
      // Not a "log and move on": nothing past `next` is committed, so the partition goes back to
      // `next` and those messages are attempted again (after a pause, in case the database or
      // broker is what failed). A commit refused by a rebalance lands here too.
      this.logger.warn({ err, topic, partition, offset: next }, 'delivery chunk not committed; it will be attempted again');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    return next;
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
   * Runs before any resource closes: new batches are refused, each partition's work stops at its
   * next chunk boundary (committed), then the consumer leaves the group so the partitions move on
   * at once instead of after a session timeout.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.running = false;
    await Promise.allSettled([...this.jobs.values()]);
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

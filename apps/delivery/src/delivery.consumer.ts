import { Inject, Injectable, BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage, Message } from 'kafkajs';
import type { Logger } from 'pino';
import { DeliveryConfig } from '@app/config';
import { decodeDeliveryMessage, DeliveryMessage, Headers, Topics } from '@app/contracts';
import { APP_LOGGER, EndpointChangeFeed, GroupCommit, KAFKA, KafkaProducer, KeptConsumer, retryAtStartup } from '@app/messaging';
import { AttemptRecord, DeliveryRepository, EndpointDirectory } from '@app/persistence';
import { AttemptResult, DeliveryService } from './delivery.service';
import { mapWithLimit } from './map-with-limit';
import { PartitionWorker } from './partition-worker';

/**
 * Consumes the deliveries topic in one consumer group shared by every delivery instance.
 *
 * kafkajs fetches for all partitions together and waits for every batch of a fetch before the
 * next one, so work done inside `eachBatch` would let one partition stuck behind a timing-out
 * endpoint stall all the others. `eachBatch` therefore only hands each batch to its partition's
 * worker (see PartitionWorker): the workers attempt chunks (endpoints concurrently, a bounded
 * number in flight per endpoint), make each chunk durable (retry/dead-letter messages
 * acknowledged by Kafka, attempts in PostgreSQL) and only then commit it, while fetching goes
 * on. Heartbeats never wait on a receiver.
 */
@Injectable()
export class DeliveryConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumer: KeptConsumer;
  private readonly changeFeed: EndpointChangeFeed;
  private running = false;
  private stopping = false;
  private readonly workers = new Map<string, PartitionWorker>();

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
    this.consumer = new KeptConsumer({
      name: 'delivery consumer',
      logger,
      create: () => this.createConsumer(),
      run: (consumer) => this.run(consumer),
      onCrash: () => (this.running = false),
    });
  }

  isRunning(): boolean {
    return this.running;
  }

  async onApplicationBootstrap(): Promise<void> {
    await retryAtStartup('subscribing to endpoint changes', () =>
      this.changeFeed.start((change) => this.directory.invalidate(change.organizationId), {
        // Changes made while the feed was not reading are unknown: forget every organization.
        onResync: () => this.directory.invalidateAll(),
      }),
    );

    await this.consumer.start();
    this.logger.info({ schedule: this.delivery.schedule }, 'delivery consuming');
  }

  private createConsumer(): Consumer {
    // A new consumer (first, or in place of one kafkajs gave up on) starts every partition from its
    // committed offset; the workers of the previous one commit and seek through it: drop them.
    for (const worker of this.workers.values()) worker.reset();
    this.workers.clear();
    const consumer = this.kafka.consumer({
      groupId: this.config.DELIVERY_GROUP_ID,
      sessionTimeout: this.config.DELIVERY_SESSION_TIMEOUT_MS,
      heartbeatInterval: Math.min(3_000, this.config.DELIVERY_SESSION_TIMEOUT_MS / 3),
      maxWaitTimeInMs: 50,
      maxBytesPerPartition: 256 * 1024,
    });
    // Ready once the group has given this instance its partitions, not merely when it asked to join.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.running = true;
      // The group restarts every partition from its committed offset: drop what was queued.
      for (const worker of this.workers.values()) worker.reset();
    });
    return consumer;
  }

  private async run(consumer: Consumer): Promise<void> {
    await retryAtStartup('subscribing to the deliveries topic', () => consumer.subscribe({ topic: Topics.deliveries, fromBeginning: true }));
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Batches are only queued (the work runs beside the fetch loop), so one at a time is enough.
      partitionsConsumedConcurrently: 1,
      eachBatch: async (payload) => this.takeBatch(consumer, payload),
    });
  }

  private takeBatch(consumer: Consumer, { batch, pause, resolveOffset }: EachBatchPayload): void {
    // A batch not taken is not resolved, so it is simply fetched again (or by the next owner).
    if (this.stopping || batch.messages.length === 0) return;
    const key = `${batch.topic}/${batch.partition}`;
    let worker = this.workers.get(key);
    if (!worker) {
      const { topic, partition } = batch;
      worker = new PartitionWorker(topic, partition, {
        deliver: (messages) => this.deliverChunk(messages),
        commit: (offset) => consumer.commitOffsets([{ topic, partition, offset }]),
        seek: (offset) => consumer.seek({ topic, partition, offset }),
        isStopping: () => this.stopping,
        logger: this.logger,
      });
      this.workers.set(key, worker);
    }
    // Resolving moves only the fetch position (autoCommit is off): commits come from the worker.
    if (worker.push(batch.messages, pause)) resolveOffset(batch.lastOffset());
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

  /**
   * Kafka first (the retry must exist), then the attempt log; a crash between them re-attempts,
   * never loses. Chunks finishing together share one round of writes.
   */
  private readonly durable = new GroupCommit<{ results: AttemptResult[]; unreadable: Message[] }>(async (items) => {
    const byTopic = new Map<string, Message[]>();
    const add = (topic: string, message: Message) => byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
    for (const { results, unreadable } of items) {
      for (const r of results) if (r.next) add(r.next.topic, r.next.message);
      for (const m of unreadable) add(Topics.deadLetters, m);
    }
    await this.producer.sendBatch([...byTopic].map(([topic, messages]) => ({ topic, messages })));
    const records: AttemptRecord[] = items.flatMap((i) => i.results.map((r) => r.record));
    await this.deliveries.recordBatch(records);
  });

  private makeDurable(results: AttemptResult[], unreadable: Message[]): Promise<void> {
    return this.durable.submit({ results, unreadable });
  }

  /**
   * Runs before any resource closes: new batches are refused, each partition's work stops at its
   * next chunk boundary (committed), then the consumer leaves the group so the partitions move on
   * at once instead of after a session timeout.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.running = false;
    await Promise.allSettled([...this.workers.values()].map((w) => w.idle()));
    await this.consumer.stop();
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

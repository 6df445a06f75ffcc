import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Consumer, EachBatchPayload, Kafka, Partitioners, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { Topics } from '@app/contracts';
import { FanoutConfig } from '@app/config';
import { APP_LOGGER, EndpointChangeFeed, KAFKA } from '@app/messaging';
import { MetricsRegistry } from '@app/observability';
import { EndpointDirectory, EventTypeRepository } from '@app/persistence';
import { FanoutService } from './fanout.service';

/**
 * Reads the domain topics and writes delivery and quarantine messages together with the consumed
 * offsets in one Kafka transaction: a crash at any point either commits all three or none, so
 * read-committed readers see exactly one delivery message per (event, endpoint).
 */
@Injectable()
export class FanoutConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer: Consumer;
  private producer: Producer;
  private readonly changeFeed: EndpointChangeFeed;
  private readonly eventsIn: Counter;
  private readonly deliveriesOut: Counter;
  private readonly quarantined: Counter;
  private running = false;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(FanoutConfig) private readonly config: FanoutConfig,
    private readonly fanout: FanoutService,
    private readonly eventTypes: EventTypeRepository,
    private readonly directory: EndpointDirectory,
    metrics: MetricsRegistry,
  ) {
    this.changeFeed = new EndpointChangeFeed(kafka, config.INSTANCE_ID, logger);
    const registers = [metrics.registry];
    this.eventsIn = new Counter({ name: 'fanout_events_total', help: 'Domain events accepted (new, not duplicates)', registers });
    this.deliveriesOut = new Counter({ name: 'fanout_delivery_messages_total', help: 'Delivery messages written', registers });
    this.quarantined = new Counter({ name: 'fanout_quarantined_total', help: 'Domain messages quarantined for breaking the contract', registers });
  }

  isRunning(): boolean {
    return this.running;
  }

  async onApplicationBootstrap(): Promise<void> {
    const types = (await this.eventTypes.list()).map((t) => t.name);

    await this.changeFeed.start((change) => this.directory.invalidate(change.organizationId));

    // A stable transactional id per instance lets a restarted instance fence its killed
    // predecessor and abort the transaction it left open.
    this.producer = this.kafka.producer({
      transactionalId: `webhooks-fanout-${this.config.INSTANCE_ID}`,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 30_000,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await this.producer.connect();

    this.consumer = this.kafka.consumer({
      groupId: this.config.FANOUT_GROUP_ID,
      readUncommitted: false,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      maxWaitTimeInMs: 100,
    });
    this.consumer.on(this.consumer.events.CRASH, (e) => this.logger.error({ err: e.payload.error }, 'fan-out consumer crashed; kafkajs restarts it'));
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: types, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    this.running = true;
    this.logger.info({ topics: types }, 'fan-out consuming');
  }

  private async handleBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const result = await this.fanout.process(
      batch.messages.map((m) => ({ topic: batch.topic, partition: batch.partition, offset: m.offset, value: m.value, key: m.key })),
    );
    await heartbeat();

    const transaction = await this.producer.transaction();
    try {
      if (result.deliveries.length > 0) await transaction.send({ topic: Topics.deliveries, messages: result.deliveries });
      if (result.quarantined.length > 0) await transaction.send({ topic: Topics.quarantine, messages: result.quarantined });
      await transaction.sendOffsets({
        consumerGroupId: this.config.FANOUT_GROUP_ID,
        topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }] }],
      });
      await transaction.commit();
    } catch (err) {
      // Abort and let kafkajs re-deliver the batch: the event log write is idempotent and
      // recognises the re-read records, so the retry fans out the same messages once.
      await transaction.abort().catch(() => undefined);
      throw err;
    }
    resolveOffset(batch.lastOffset());
    this.eventsIn.inc(result.accepted);
    this.deliveriesOut.inc(result.deliveries.length);
    this.quarantined.inc(result.quarantined.length);
    if (result.quarantined.length > 0) {
      this.logger.warn({ topic: batch.topic, partition: batch.partition, count: result.quarantined.length }, 'quarantined domain messages');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
    await this.changeFeed.stop();
  }
}

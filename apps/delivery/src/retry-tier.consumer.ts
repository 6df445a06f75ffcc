import { Inject, Injectable, BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { Consumer, EachBatchPayload, Kafka, Message } from 'kafkajs';
import type { Logger } from 'pino';
import { DeliveryConfig } from '@app/config';
import { Headers, retryTierTopic, Topics } from '@app/contracts';
import { APP_LOGGER, KAFKA, KafkaProducer, KeptConsumer, retryAtStartup } from '@app/messaging';
import { DeliveryService } from './delivery.service';

/**
 * Holds retry messages until they are due, then hands them back to the deliveries topic.
 * Every message of a tier waits the same time, so a partition is in due order: the head decides.
 * A not-yet-due head pauses only its own partition and a timer resumes it at the due time
 * (seeking back to that message). Nothing sleeps in the handler, so heartbeats go on and the
 * group stays stable while other partitions and tiers keep flowing.
 */
@Injectable()
export class RetryTierConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumer: KeptConsumer;
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(DeliveryConfig) private readonly config: DeliveryConfig,
    private readonly producer: KafkaProducer,
    private readonly delivery: DeliveryService,
  ) {
    this.consumer = new KeptConsumer({ name: 'retry-tier consumer', logger, create: () => this.createConsumer(), run: (consumer) => this.run(consumer) });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  private createConsumer(): Consumer {
    // Timers of a previous consumer would seek and resume through it.
    this.clearTimers();
    const consumer = this.kafka.consumer({
      groupId: `${this.config.DELIVERY_GROUP_ID}-retry`,
      sessionTimeout: this.config.DELIVERY_SESSION_TIMEOUT_MS,
      heartbeatInterval: Math.min(3_000, this.config.DELIVERY_SESSION_TIMEOUT_MS / 3),
      maxWaitTimeInMs: 250,
    });
    // After a rebalance the partitions start over from their committed offsets; timers for
    // partitions we no longer own must not resume them.
    consumer.on(consumer.events.GROUP_JOIN, () => this.clearTimers());
    return consumer;
  }

  private async run(consumer: Consumer): Promise<void> {
    const tiers = [...new Set(this.delivery.schedule)].map(retryTierTopic);
    await retryAtStartup('subscribing to the retry tiers', () => consumer.subscribe({ topics: tiers, fromBeginning: true }));
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: (payload) => this.handleBatch(consumer, payload),
    });
  }

  private async handleBatch(consumer: Consumer, { batch, pause, resolveOffset, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const due: Message[] = [];
    let lastDueOffset: string | null = null;
    let hold: { offset: string; dueAt: number } | null = null;
    const now = Date.now();
    for (const m of batch.messages) {
      const dueAt = Number(m.headers?.[Headers.dueAt]?.toString() ?? 0);
      if (dueAt > now) {
        hold = { offset: m.offset, dueAt };
        break;
      }
      due.push({ key: m.key, value: m.value });
      lastDueOffset = m.offset;
    }

    if (lastDueOffset !== null) {
      await this.producer.send(Topics.deliveries, due);
      resolveOffset(lastDueOffset);
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(lastDueOffset) + 1n).toString() }]);
    }
    if (hold) this.holdUntilDue(consumer, batch.topic, batch.partition, hold, pause);
  }

  private holdUntilDue(consumer: Consumer, topic: string, partition: number, hold: { offset: string; dueAt: number }, pause: () => () => void): void {
    const resume = pause();
    const key = `${topic}/${partition}`;
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        consumer.seek({ topic, partition, offset: hold.offset });
        resume();
      }, Math.max(0, hold.dueAt - Date.now())),
    );
  }

  private clearTimers(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /**
   * Runs before any resource closes: kafkajs stops fetching, lets the batch in hand finish (and
   * commit), then leaves the group so the partitions move on at once instead of after a timeout.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.clearTimers();
    await this.consumer.stop();
  }
}

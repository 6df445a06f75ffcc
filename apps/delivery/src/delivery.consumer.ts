import { Inject, Injectable, BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { DeliveryConfig } from '@app/config';
import { retryTierTopic, Topics } from '@app/contracts';
import { APP_LOGGER, EndpointChangeFeed, KAFKA, retryAtStartup } from '@app/messaging';
import { EndpointDirectory } from '@app/persistence';
import { ChunkDeliverer } from './chunk-deliverer';
import { DeliveryService } from './delivery.service';
import { DeliveryStream } from './delivery-stream';

/**
 * The delivery instance's consumers: the deliveries topic (new deliveries, resends, test events)
 * and the retry tiers, each its own consumer group shared by every delivery instance, both feeding
 * the same ChunkDeliverer. Where a message goes next: 2xx -> done; failure -> the next retry tier
 * (or the dead letters after the last attempt); every attempt recorded in PostgreSQL.
 */
@Injectable()
export class DeliveryConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly changeFeed: EndpointChangeFeed;
  private readonly deliveries: DeliveryStream;
  private readonly retries: DeliveryStream;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(DeliveryConfig) config: DeliveryConfig,
    deliverer: ChunkDeliverer,
    private readonly delivery: DeliveryService,
    private readonly directory: EndpointDirectory,
  ) {
    this.changeFeed = new EndpointChangeFeed(kafka, config.INSTANCE_ID, logger);
    const sessionTimeoutMs = config.DELIVERY_SESSION_TIMEOUT_MS;
    const stalledChunkMs = config.DELIVERY_STALLED_CHUNK_MS;
    this.deliveries = new DeliveryStream(
      { name: 'deliveries topic', groupId: config.DELIVERY_GROUP_ID, topics: [Topics.deliveries], sessionTimeoutMs, holdUntilDue: false, probesBrokenEndpoints: false, stalledChunkMs },
      kafka,
      deliverer,
      logger,
    );
    this.retries = new DeliveryStream(
      { name: 'retry tiers', groupId: `${config.DELIVERY_GROUP_ID}-retry`, topics: [...new Set(delivery.schedule)].map(retryTierTopic), sessionTimeoutMs, holdUntilDue: true, probesBrokenEndpoints: true, stalledChunkMs },
      kafka,
      deliverer,
      logger,
    );
  }

  isRunning(): boolean {
    return this.deliveries.isRunning() && this.retries.isRunning();
  }

  async onApplicationBootstrap(): Promise<void> {
    await retryAtStartup('subscribing to endpoint changes', () =>
      this.changeFeed.start((change) => this.directory.invalidate(change.organizationId), {
        // Changes made while the feed was not reading are unknown: forget every organization.
        onResync: () => this.directory.invalidateAll(),
      }),
    );
    await this.deliveries.start();
    await this.retries.start();
    this.logger.info({ schedule: this.delivery.schedule }, 'delivery consuming');
  }

  /** Runs before any resource closes: both streams finish their chunk in hand, commit and leave their groups. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([this.deliveries.stop(), this.retries.stop()]);
    await this.changeFeed.stop();
  }
}

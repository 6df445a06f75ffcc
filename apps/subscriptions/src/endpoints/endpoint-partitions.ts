import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { Topics } from '@app/contracts';
import { APP_LOGGER, hashPartition, KAFKA, TopicPartitionCounts } from '@app/messaging';
import { pinEndpoint, unpinnedEndpoints } from '@app/persistence';

const PIN_BATCH = 500;

/**
 * The deliveries topic's partition count, for choosing a new endpoint's partition; and, once at start,
 * pinning endpoints created before partitions were stored to the partition their id hashes to, which is
 * where their messages have always gone (so nothing in flight changes partition). After that every message
 * of every endpoint names its partition, and partitions can be added without moving anyone.
 */
@Injectable()
export class EndpointPartitions implements OnApplicationBootstrap {
  private readonly counts: TopicPartitionCounts;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    private readonly db: DataSource,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    this.counts = new TopicPartitionCounts(kafka);
  }

  /** Partitions of the deliveries topic now (cached 30 s). */
  deliveryPartitions(): Promise<number> {
    return this.counts.count(Topics.deliveries);
  }

  async onApplicationBootstrap(): Promise<void> {
    // Not awaited: the API serves meanwhile; an unpinned endpoint keeps going by the hash of its id until pinned.
    void this.pinUnpinned().catch((err: unknown) => this.logger.error({ err }, 'could not pin endpoints to their deliveries partition; trying at the next start'));
  }

  private async pinUnpinned(): Promise<void> {
    let pinned = 0;
    for (;;) {
      const batch = await unpinnedEndpoints(this.db, PIN_BATCH);
      if (batch.length === 0) break;
      const partitions = await this.deliveryPartitions();
      for (const e of batch) await pinEndpoint(this.db, e.organizationId, e.id, hashPartition(e.id, partitions));
      pinned += batch.length;
    }
    if (pinned > 0) this.logger.info({ pinned }, 'pinned endpoints created before stored partitions to their hash partition');
  }
}

import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { DeliveryConfig } from '@app/config';
import { RETRY_TIER_TOPIC_PATTERN, Topics } from '@app/contracts';
import { APP_LOGGER, ConsumerLag, KAFKA, LagPoller } from '@app/messaging';
import { MetricsRegistry } from '@app/observability';
import { DeliveryConsumer } from './delivery.consumer';

/**
 * Consumer lag on the deliveries topic and the backlog of each retry tier, read from Kafka in the
 * background. Both are properties of a consumer group, not of an instance: every instance would read
 * the same numbers, and a `sum()` over instances would multiply them. So only the instance that
 * leads the group reports them (one leader per group generation); the others export no series at
 * all. Query them with `max by (group)`: during a rebalance the old and the new leader may both
 * report for up to one refresh.
 */
@Injectable()
export class DeliveryMetrics implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly lag: ConsumerLag;
  private readonly poller: LagPoller;
  private readonly consumerLag: Gauge<'group'>;
  private readonly retryBacklog: Gauge<'tier'>;
  private readonly lastRefresh: Gauge;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(DeliveryConfig) private readonly config: DeliveryConfig,
    @Inject(APP_LOGGER) logger: Logger,
    private readonly consumer: DeliveryConsumer,
    metrics: MetricsRegistry,
  ) {
    this.lag = new ConsumerLag(kafka);
    this.poller = new LagPoller(
      () => this.refresh(),
      (err) => logger.debug({ err }, 'could not read the delivery lag from Kafka; the gauges keep their last values'),
    );
    const registers = [metrics.registry];
    this.consumerLag = new Gauge({
      name: 'webhooks_delivery_consumer_lag_messages',
      help: 'Delivery messages not yet consumed by the delivery group (reported by the group leader only)',
      labelNames: ['group'],
      registers,
    });
    this.retryBacklog = new Gauge({
      name: 'webhooks_delivery_retry_backlog_messages',
      help: 'Messages waiting in each retry tier (reported by the delivery group leader only)',
      labelNames: ['tier'],
      registers,
    });
    this.lastRefresh = new Gauge({ name: 'webhooks_delivery_lag_refreshed_timestamp_seconds', help: 'When this instance last read the lag gauges from Kafka', registers });
  }

  onApplicationBootstrap(): void {
    this.poller.start();
  }

  private async refresh(): Promise<void> {
    // One group reads the deliveries topic and every tier: its leader alone reports the group's lag.
    if (!this.consumer.leadsGroup()) {
      this.consumerLag.reset();
      this.retryBacklog.reset();
      return;
    }
    const group = this.config.DELIVERY_GROUP_ID;
    const tiers = (await this.lag.topics()).filter((t) => RETRY_TIER_TOPIC_PATTERN.test(t));
    const lag = await this.lag.byTopic(group, [Topics.deliveries, ...tiers]);
    this.consumerLag.set({ group }, lag.get(Topics.deliveries) ?? 0);
    for (const tier of tiers) this.retryBacklog.set({ tier }, lag.get(tier) ?? 0);
    this.lastRefresh.set(Date.now() / 1000);
  }

  async onApplicationShutdown(): Promise<void> {
    this.poller.stop();
    await this.lag.close();
  }
}

import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { DeliveryConfig } from '@app/config';
import { RETRY_TIER_TOPIC_PATTERN, Topics } from '@app/contracts';
import { APP_LOGGER, ConsumerLag, KAFKA } from '@app/messaging';
import { MetricsRegistry } from '@app/observability';
import { DeliveryConsumer } from './delivery.consumer';

/** How often the lag is read from Kafka; a scrape reads the last values and never waits on the broker. */
const REFRESH_MS = 10_000;
/** A refresh that takes longer than this is given up (the broker is away): the gauges keep their last values. */
const REFRESH_TIMEOUT_MS = 5_000;

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
  private readonly consumerLag: Gauge<'group'>;
  private readonly retryBacklog: Gauge<'tier'>;
  private readonly lastRefresh: Gauge;
  private timer: NodeJS.Timeout | null = null;
  private refreshing = false;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(DeliveryConfig) private readonly config: DeliveryConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    private readonly consumer: DeliveryConsumer,
    metrics: MetricsRegistry,
  ) {
    this.lag = new ConsumerLag(kafka);
    const registers = [metrics.registry];
    this.consumerLag = new Gauge({
      name: 'webhooks_delivery_consumer_lag_messages',
      help: 'Delivery messages not yet consumed by the delivery group (reported by the group leader only)',
      labelNames: ['group'],
      registers,
    });
    this.retryBacklog = new Gauge({
      name: 'webhooks_delivery_retry_backlog_messages',
      help: 'Messages waiting in each retry tier (reported by the retry group leader only)',
      labelNames: ['tier'],
      registers,
    });
    this.lastRefresh = new Gauge({ name: 'webhooks_delivery_lag_refreshed_timestamp_seconds', help: 'When this instance last read the lag gauges from Kafka', registers });
  }

  onApplicationBootstrap(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  private async refresh(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    let timeout: NodeJS.Timeout | undefined;
    try {
      const leads = this.consumer.leads();
      const group = this.config.DELIVERY_GROUP_ID;
      if (!leads.deliveries) this.consumerLag.reset();
      if (!leads.retries) this.retryBacklog.reset();
      if (!leads.deliveries && !leads.retries) return;
      const read = async () => {
        const deliveries = leads.deliveries ? await this.lag.byTopic(group, [Topics.deliveries]) : null;
        const tiers = leads.retries ? (await this.lag.topics()).filter((t) => RETRY_TIER_TOPIC_PATTERN.test(t)) : [];
        const backlog = leads.retries ? await this.lag.byTopic(`${group}-retry`, tiers) : null;
        return { deliveries, tiers, backlog };
      };
      const { deliveries, tiers, backlog } = await Promise.race([
        read(),
        new Promise<never>((_, reject) => (timeout = setTimeout(() => reject(new Error(`no answer from Kafka within ${REFRESH_TIMEOUT_MS} ms`)), REFRESH_TIMEOUT_MS))),
      ]);
      if (deliveries) this.consumerLag.set({ group }, deliveries.get(Topics.deliveries) ?? 0);
      if (backlog) for (const tier of tiers) this.retryBacklog.set({ tier }, backlog.get(tier) ?? 0);
      this.lastRefresh.set(Date.now() / 1000);
    } catch (err) {
      this.logger.debug({ err }, 'could not read the delivery lag from Kafka; the gauges keep their last values');
    } finally {
      clearTimeout(timeout);
      this.refreshing = false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.lag.close();
  }
}

import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { Gauge } from 'prom-client';
import { DeliveryConfig } from '@app/config';
import { retryTierTopic, Topics } from '@app/contracts';
import { ConsumerLag, KAFKA } from '@app/messaging';
import { MetricsRegistry } from '@app/observability';
import { parseRetrySchedule } from '@app/webhooks';

/** Gauges computed from Kafka at scrape time: consumer lag on the deliveries topic and the backlog of each retry tier. */
@Injectable()
export class DeliveryMetrics implements OnApplicationShutdown {
  private readonly lag: ConsumerLag;

  constructor(@Inject(KAFKA) kafka: Kafka, @Inject(DeliveryConfig) config: DeliveryConfig, metrics: MetricsRegistry) {
    this.lag = new ConsumerLag(kafka);
    const lag = this.lag;
    const tiers = [...new Set(parseRetrySchedule(config.RETRY_SCHEDULE_SECONDS))].map(retryTierTopic);
    new Gauge({
      name: 'delivery_consumer_lag_messages',
      help: 'Delivery messages not yet consumed by the delivery group',
      registers: [metrics.registry],
      async collect() {
        const byTopic = await lag.byTopic(config.DELIVERY_GROUP_ID, [Topics.deliveries]);
        this.set(byTopic.get(Topics.deliveries) ?? 0);
      },
    });
    new Gauge({
      name: 'delivery_retry_backlog_messages',
      help: 'Messages waiting in each retry tier',
      labelNames: ['tier'],
      registers: [metrics.registry],
      async collect() {
        const byTopic = await lag.byTopic(`${config.DELIVERY_GROUP_ID}-retry`, tiers);
        for (const tier of tiers) this.set({ tier }, byTopic.get(tier) ?? 0);
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.lag.close();
  }
}

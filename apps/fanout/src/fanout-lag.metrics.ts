import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { FanoutConfig } from '@app/config';
import { APP_LOGGER, ConsumerLag, KAFKA, LagPoller } from '@app/messaging';
import { MetricsRegistry } from '@app/observability';
import { FanoutConsumer } from './fanout.consumer';

/**
 * Domain events not yet consumed by the fan-out group, over every domain topic it reads. A property of
 * the group, so only the group's leader reports it (the others export no series): `sum()` over
 * instances stays right, and `max by (group)` rides out a change of leader.
 */
@Injectable()
export class FanoutLagMetrics implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly lag: ConsumerLag;
  private readonly poller: LagPoller;
  private readonly gauge: Gauge<'group'>;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(FanoutConfig) private readonly config: FanoutConfig,
    @Inject(APP_LOGGER) logger: Logger,
    private readonly consumer: FanoutConsumer,
    metrics: MetricsRegistry,
  ) {
    this.lag = new ConsumerLag(kafka);
    this.poller = new LagPoller(
      () => this.refresh(),
      (err) => logger.debug({ err }, 'could not read the fan-out lag from Kafka; the gauge keeps its last value'),
    );
    this.gauge = new Gauge({
      name: 'webhooks_fanout_consumer_lag_messages',
      help: 'Domain events not yet consumed by the fan-out group, all domain topics together (reported by the group leader only)',
      labelNames: ['group'],
      registers: [metrics.registry],
    });
  }

  onApplicationBootstrap(): void {
    this.poller.start();
  }

  private async refresh(): Promise<void> {
    const topics = this.consumer.ledTopics();
    if (topics === null) {
      this.gauge.reset();
      return;
    }
    const byTopic = await this.lag.byTopic(this.config.FANOUT_GROUP_ID, topics);
    this.gauge.set({ group: this.config.FANOUT_GROUP_ID }, [...byTopic.values()].reduce((a, b) => a + b, 0));
  }

  async onApplicationShutdown(): Promise<void> {
    this.poller.stop();
    await this.lag.close();
  }
}

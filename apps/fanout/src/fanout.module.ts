import { DynamicModule, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { FanoutConfig } from '@app/config';
import { MessagingModule } from '@app/messaging';
import { healthControllers, ObservabilityModule, READINESS_CHECKS, ReadinessCheck } from '@app/observability';
import { PersistenceModule } from '@app/persistence';
import { DomainTopicDiscovery } from './domain-topic-discovery';
import { FanoutConsumer } from './fanout.consumer';
import { FanoutLagMetrics } from './fanout-lag.metrics';
import { FanoutMetrics } from './fanout.metrics';
import { FanoutService } from './fanout.service';
import { EventSchemas } from './event-schemas';

@Module({})
export class FanoutModule {
  static forRoot(config: FanoutConfig, logger: Logger): DynamicModule {
    return {
      module: FanoutModule,
      imports: [
        ObservabilityModule.forRoot(),
        PersistenceModule.forRoot(config.DATABASE_URL, 'fanout'),
        MessagingModule.forRoot({ brokers: config.kafkaBrokers, clientId: `fanout-${config.INSTANCE_ID}`, logger }),
      ],
      controllers: healthControllers,
      providers: [
        { provide: FanoutConfig, useValue: config },
        FanoutMetrics,
        FanoutService,
        EventSchemas,
        DomainTopicDiscovery,
        FanoutConsumer,
        FanoutLagMetrics,
        {
          provide: READINESS_CHECKS,
          inject: [DataSource, FanoutConsumer],
          useFactory: (db: DataSource, consumer: FanoutConsumer): ReadinessCheck[] => [
            { name: 'database', check: async () => void (await db.query('SELECT 1')) },
            { name: 'consumer', check: async () => { if (!consumer.isRunning()) throw new Error('not consuming'); } },
          ],
        },
      ],
    };
  }
}

import { DynamicModule, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { DeliveryConfig } from '@app/config';
import { EndpointChangePublisher, MessagingModule } from '@app/messaging';
import { healthControllers, ObservabilityModule, READINESS_CHECKS, ReadinessCheck } from '@app/observability';
import { PersistenceModule } from '@app/persistence';
import { OutcomeStore } from './outcome-store';
import { DeliveryConsumer } from './delivery.consumer';
import { DeliveryService } from './delivery.service';
import { DeliveryMetrics } from './delivery.metrics';
import { ListenRelay } from './listen-relay';
import { StrictDrainer } from './strict-drainer';

@Module({})
export class DeliveryModule {
  static forRoot(config: DeliveryConfig, logger: Logger): DynamicModule {
    return {
      module: DeliveryModule,
      imports: [
        ObservabilityModule.forRoot(),
        PersistenceModule.forRoot(config.DATABASE_URL, 'delivery'),
        MessagingModule.forRoot({ brokers: config.kafkaBrokers, clientId: `delivery-${config.INSTANCE_ID}`, logger }),
      ],
      controllers: healthControllers,
      providers: [
        { provide: DeliveryConfig, useValue: config },
        ListenRelay,
        DeliveryService,
        OutcomeStore,
        EndpointChangePublisher,
        DeliveryConsumer,
        StrictDrainer,
        DeliveryMetrics,
        {
          provide: READINESS_CHECKS,
          inject: [DataSource, DeliveryConsumer],
          useFactory: (db: DataSource, consumer: DeliveryConsumer): ReadinessCheck[] => [
            { name: 'database', check: async () => void (await db.query('SELECT 1')) },
            { name: 'consumer', check: async () => { if (!consumer.isRunning()) throw new Error('not consuming'); } },
          ],
        },
      ],
    };
  }
}

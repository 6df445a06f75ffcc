import { DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { SubscriptionsConfig } from '@app/config';
import { MessagingModule, EndpointChangePublisher } from '@app/messaging';
import { healthControllers, ObservabilityModule, READINESS_CHECKS, ReadinessCheck } from '@app/observability';
import { PersistenceModule } from '@app/persistence';
import type { Logger } from 'pino';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { ApiKeysService } from './api-keys/api-keys.service';
import { ApiKeyGuard, PlatformAdminGuard } from './auth/auth.guards';
import { AdminRateLimiter } from './auth/rate-limiter';
import { EndpointsController } from './endpoints/endpoints.controller';
import { FilterPreviewController } from './endpoints/filter-preview.controller';
import { FilterPreviewService } from './endpoints/filter-preview.service';
import { EndpointsService } from './endpoints/endpoints.service';
import { EventTypeCatalogController, EventTypesController } from './event-types/event-types.controller';
import { EventTypeCatalogService } from './event-types/event-type-catalog.service';
import { EndpointPartitions } from './endpoints/endpoint-partitions';
import { EndpointChangeRelay } from './endpoints/endpoint-change-relay';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { DashboardAssets } from './dashboard/dashboard-assets';
import { DashboardController } from './dashboard/dashboard.controller';
import { DeliveriesController, EndpointDeliveriesController } from './history/deliveries.controller';
import { DeliveryPublisher } from './history/delivery-publisher';
import { EventsController } from './history/events.controller';
import { HistoryService } from './history/history.service';
import { RedeliveryService } from './history/redelivery.service';
import { ReplayRunner } from './replays/replay-runner';
import { ReplaysController } from './replays/replays.controller';
import { ReplaysService } from './replays/replays.service';
import { RetentionService } from './retention/retention.service';
import { OrganizationsController } from './organizations/organizations.controller';
import { OrganizationsService } from './organizations/organizations.service';
import { ListenController } from './listen/listen.controller';
import { ListenHub } from './listen/listen-hub';
import { ListenService } from './listen/listen.service';

@Module({})
export class SubscriptionsModule {
  static forRoot(config: SubscriptionsConfig, logger: Logger): DynamicModule {
    return {
      module: SubscriptionsModule,
      imports: [
        ObservabilityModule.forRoot(),
        PersistenceModule.forRoot(config.DATABASE_URL, 'subscriptions'),
        MessagingModule.forRoot({
          brokers: config.kafkaBrokers,
          clientId: `subscriptions-${config.INSTANCE_ID}`,
          logger,
          // Someone waits on every publish of this service: an HTTP client.
          producerDeadline: { sendTimeoutMs: config.KAFKA_PUBLISH_TIMEOUT_MS },
        }),
      ],
      controllers: [
        ...healthControllers,
        OrganizationsController,
        ApiKeysController,
        FilterPreviewController,
        EndpointsController,
        EventTypesController,
        EventTypeCatalogController,
        EventsController,
        DeliveriesController,
        EndpointDeliveriesController,
        ReplaysController,
        DashboardController,
        ListenController,
      ],
      providers: [
        { provide: SubscriptionsConfig, useValue: config },
        AdminRateLimiter,
        ApiKeyGuard,
        PlatformAdminGuard,
        OrganizationsService,
        EndpointPartitions,
        ApiKeysService,
        EndpointsService,
        EventTypeCatalogService,
        FilterPreviewService,
        HistoryService,
        RedeliveryService,
        DeliveryPublisher,
        EndpointChangePublisher,
        EndpointChangeRelay,
        IdempotencyInterceptor,
        { provide: APP_INTERCEPTOR, useExisting: IdempotencyInterceptor },
        ReplaysService,
        ReplayRunner,
        RetentionService,
        DashboardAssets,
        ListenHub,
        ListenService,
        {
          provide: READINESS_CHECKS,
          inject: [DataSource],
          useFactory: (db: DataSource): ReadinessCheck[] => [{ name: 'database', check: async () => void (await db.query('SELECT 1')) }],
        },
      ],
    };
  }
}

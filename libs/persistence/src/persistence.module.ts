import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source';
import { ApiKeyRepository } from './repositories/api-key.repository';
import { DeliveryRepository } from './repositories/delivery.repository';
import { EndpointRepository } from './repositories/endpoint.repository';
import { EventTypeRepository } from './repositories/event-type.repository';
import { EventRepository } from './repositories/event.repository';
import { OrganizationRepository } from './repositories/organization.repository';
import { EndpointDirectory } from './cache/endpoint-directory';
import { DeliveryHistoryRepository } from './repositories/delivery-history.repository';
import { EventHistoryRepository } from './repositories/event-history.repository';
import { ReplayJobRepository } from './repositories/replay-job.repository';
import { RetentionRepository } from './repositories/retention.repository';
import { ListenSessionRepository } from './repositories/listen-session.repository';
import { StrictQueueRepository } from './repositories/strict-queue.repository';
import { EndpointChangeOutbox } from './repositories/endpoint-change-outbox.repository';
import { IdempotencyKeyRepository } from './repositories/idempotency-key.repository';

const REPOSITORIES = [
  OrganizationRepository,
  ApiKeyRepository,
  EventTypeRepository,
  EndpointRepository,
  EventRepository,
  DeliveryRepository,
  EndpointDirectory,
  EventHistoryRepository,
  DeliveryHistoryRepository,
  ReplayJobRepository,
  RetentionRepository,
  ListenSessionRepository,
  StrictQueueRepository,
  EndpointChangeOutbox,
  IdempotencyKeyRepository,
];

@Global()
@Module({})
export class PersistenceModule {
  static forRoot(databaseUrl: string, applicationName: string): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [TypeOrmModule.forRoot({ ...dataSourceOptions(databaseUrl, applicationName), retryAttempts: 3, retryDelay: 1000 })],
      providers: REPOSITORIES,
      exports: REPOSITORIES,
    };
  }
}

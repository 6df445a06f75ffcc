import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { DeliveryConfig } from '@app/config';
import { OPERATIONAL_EVENT_CATALOG } from '@app/contracts';
import { domainTopics, ensureTopics, KAFKA, pipelineTopics } from '@app/messaging';
import { PinoNestLogger } from '@app/observability';
import { parseRetrySchedule } from '@app/webhooks';
import { runMigrations } from '@app/persistence';
import { DeliveryModule } from './delivery.module';

/** The delivery service: consumers plus health/metrics HTTP. Used by main.ts and the integration tests. */
export async function createDeliveryApp(config: DeliveryConfig, logger: Logger): Promise<INestApplication> {
  const app = await NestFactory.create(DeliveryModule.forRoot(config, logger), { logger: new PinoNestLogger(logger) });
  app.enableShutdownHooks();
  // Schema and topics exist before any consumer starts (consumers start when the app initialises).
  await runMigrations(app.get(DataSource), { logger, lockTimeoutMs: config.MIGRATION_LOCK_TIMEOUT_SECONDS * 1000 });
  const layout = config.topicLayout;
  // The operational events' domain topics too: the delivery publishes them (the producer creates no topic).
  const operational = domainTopics(layout, OPERATIONAL_EVENT_CATALOG.map((t) => t.name));
  await ensureTopics(app.get(KAFKA), [...pipelineTopics(layout, parseRetrySchedule(config.RETRY_SCHEDULE_SECONDS)), ...operational]);
  return app;
}

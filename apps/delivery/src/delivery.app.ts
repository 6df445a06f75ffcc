import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { DeliveryConfig } from '@app/config';
import { OPERATIONAL_EVENT_CATALOG } from '@app/contracts';
import { domainTopics, ensureTopics, growDeliveryTopics, KAFKA, pipelineTopics } from '@app/messaging';
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
  const schedule = parseRetrySchedule(config.RETRY_SCHEDULE_SECONDS);
  await ensureTopics(app.get(KAFKA), [...pipelineTopics(layout, schedule), ...operational]);
  // Raising KAFKA_TOPIC_PARTITIONS grows the delivery topics together (docs/production.md, partition growth).
  const grown = await growDeliveryTopics(app.get(KAFKA), layout, schedule);
  if (grown.length > 0) logger.warn({ topics: grown, partitions: layout.partitions }, 'added partitions to the delivery topics');
  return app;
}

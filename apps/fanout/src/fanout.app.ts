import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { FanoutConfig } from '@app/config';
import { domainTopics, ensureTopics, KAFKA, pipelineTopics } from '@app/messaging';
import { PinoNestLogger } from '@app/observability';
import { EventTypeRepository, runMigrations } from '@app/persistence';
import { FanoutModule } from './fanout.module';

/** The fan-out service: consumer plus health/metrics HTTP. Used by main.ts and the integration tests. */
export async function createFanoutApp(config: FanoutConfig, logger: Logger): Promise<INestApplication> {
  const app = await NestFactory.create(FanoutModule.forRoot(config, logger), { logger: new PinoNestLogger(logger) });
  app.enableShutdownHooks();
  // Schema and topics exist before the consumer starts (it starts when the app initialises).
  await runMigrations(app.get(DataSource), { logger, lockTimeoutMs: config.MIGRATION_LOCK_TIMEOUT_SECONDS * 1000 });
  const layout = config.topicLayout;
  const eventTypes = (await app.get(EventTypeRepository).list()).map((t) => t.name);
  await ensureTopics(app.get(KAFKA), [...pipelineTopics(layout, []), ...domainTopics(layout, eventTypes)]);
  return app;
}

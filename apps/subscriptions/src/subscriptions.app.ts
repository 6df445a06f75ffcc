import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { SubscriptionsConfig } from '@app/config';
import { ensureTopics, KAFKA, pipelineTopics } from '@app/messaging';
import { PinoNestLogger } from '@app/observability';
import { runMigrations } from '@app/persistence';
import { explainJsonBody, refuseJsonArrayBody } from './common/json-body';
import { ApiExceptionFilter, createValidationPipe } from './common/validation';
import { SubscriptionsModule } from './subscriptions.module';

/** Builds the admin API (not yet listening): used by main.ts and by the integration tests. */
export async function createSubscriptionsApp(config: SubscriptionsConfig, logger: Logger): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(SubscriptionsModule.forRoot(config, logger), {
    logger: new PinoNestLogger(logger),
    bodyParser: false,
  });
  app.useBodyParser('json', { limit: '256kb' });
  app.use(explainJsonBody, refuseJsonArrayBody);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ApiExceptionFilter(logger));
  app.enableShutdownHooks();

  await runMigrations(app.get(DataSource));
  await ensureTopics(app.get(KAFKA), pipelineTopics({ partitions: config.KAFKA_TOPIC_PARTITIONS, replicationFactor: config.KAFKA_REPLICATION_FACTOR }, []));

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('Sourcehub Webhooks admin API').setVersion('1').addBearerAuth().build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
  return app;
}

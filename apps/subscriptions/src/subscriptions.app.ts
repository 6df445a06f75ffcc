import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { SubscriptionsConfig } from '@app/config';
import { ensureTopics, KAFKA, pipelineTopics } from '@app/messaging';
import { httpMetrics, MetricsRegistry, PinoNestLogger, requestIds } from '@app/observability';
import { runMigrations } from '@app/persistence';
import { accessLog } from './common/access-log';
import { answerUnparsableRequests } from './common/client-error';
import { describeApiConventions } from './common/openapi-conventions';
import { explainJsonBody, JSON_BODY_LIMIT, refuseUnfitBody } from './common/json-body';
import { refuseUndecodablePath } from './common/request-path';
import { securityHeaders } from './common/security-headers';
import { ApiExceptionFilter, createValidationPipe } from './common/validation';
import { SubscriptionsModule } from './subscriptions.module';

/** Builds the admin API (not yet listening): used by main.ts and by the integration tests. */
export async function createSubscriptionsApp(config: SubscriptionsConfig, logger: Logger): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(SubscriptionsModule.forRoot(config, logger), {
    logger: new PinoNestLogger(logger),
    bodyParser: false,
  });
  app.set('trust proxy', config.trustProxy);
  answerUnparsableRequests(app.getHttpServer());
  // Before the body parser, so its refusals (413, bad JSON) carry the headers too.
  app.use(requestIds, httpMetrics(app.get(MetricsRegistry)), ...securityHeaders({ hstsMaxAgeSeconds: config.HSTS_MAX_AGE_SECONDS }), accessLog(logger), refuseUndecodablePath);
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  app.use(explainJsonBody, refuseUnfitBody);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ApiExceptionFilter(logger));
  app.enableShutdownHooks();

  await runMigrations(app.get(DataSource), { logger, lockTimeoutMs: config.MIGRATION_LOCK_TIMEOUT_SECONDS * 1000 });
  await ensureTopics(app.get(KAFKA), pipelineTopics(config.topicLayout, []));

  const document = describeApiConventions(SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Sourcehub Webhooks admin API')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: "An organization's API key (shk_...)." }, 'apiKey')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: "The operator's PLATFORM_ADMIN_TOKEN." }, 'platformAdmin')
      .build(),
  ));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
  return app;
}

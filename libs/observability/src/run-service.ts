import { INestApplication } from '@nestjs/common';
import { ClassConstructor } from 'class-transformer';
import type { Logger } from 'pino';
import { CommonConfig, ConfigError, loadConfig } from '@app/config';
import { createLogger } from './logger';
import { databaseHost, watchStartup } from './startup-watch';

/**
 * The common `main` of every service: validated config (a missing setting stops the start with
 * its name), JSON logs, the HTTP port for health/metrics (and the API), clean exit on SIGTERM/SIGINT.
 */
export async function runService<C extends CommonConfig>(
  name: string,
  schema: ClassConstructor<C>,
  create: (config: C, logger: Logger) => Promise<INestApplication>,
): Promise<void> {
  let config: C;
  try {
    config = loadConfig(schema);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${name}: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger(name, config.LOG_LEVEL);
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  const watch = watchStartup(logger);
  try {
    // The migration lock has its own warning naming the session that holds it (libs/persistence).
    watch.step(`PostgreSQL at ${databaseHost(config.DATABASE_URL)} (connection, migrations) and Kafka at ${config.KAFKA_BROKERS} (topics)`);
    const app = await create(config, logger);
    watch.step(`Kafka at ${config.KAFKA_BROKERS} (consumers joining their groups) and the HTTP port ${config.PORT}`);
    await app.listen(config.PORT, '0.0.0.0');
    watch.stop();
    logger.info({ port: config.PORT }, `${name} started`);
  } catch (err) {
    watch.stop();
    logger.fatal({ err }, `${name} failed to start`);
    process.exit(1);
  }
}

import { Kafka, logLevel, LogEntry } from 'kafkajs';
import type { Logger } from 'pino';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose own logs join the service's JSON log stream. */
export function createKafka(brokers: string[], clientId: string, logger: Logger): Kafka {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: 5000,
    requestTimeout: 30000,
    // Waits between retries capped at 5 s (kafkajs: 30 s), so a client notices a restarted broker within
    // seconds instead of sleeping through up to half a minute of backoff; about as long in total before giving up.
    retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 20 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, ...extra } = log;
        kafkaLogger[LEVELS[level] ?? 'info']({ namespace, ...extra }, message);
      },
  });
}

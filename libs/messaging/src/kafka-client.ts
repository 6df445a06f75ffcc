import { Kafka, logLevel, LogEntry } from 'kafkajs';
import type { Logger } from 'pino';
import { assertAbortedTransactionsFiltered } from './aborted-transaction-filter';
import { assertFetchWaitReadPerFetch } from './fetch-wait-patch';
import { kafkaLogLeveller } from './kafka-log-level';

/**
 * A kafkajs client whose own logs join the service's JSON log stream, at the level they deserve: the
 * broker's answers that every start meets (coordinator not available yet, topics created by another
 * service, rebalances) at debug/info, not error (kafkaLogLeveller).
 */
export function createKafka(brokers: string[], clientId: string, logger: Logger): Kafka {
  assertAbortedTransactionsFiltered();
  assertFetchWaitReadPerFetch();
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
    logCreator: () => {
      const levelFor = kafkaLogLeveller();
      return ({ namespace, level, log }: LogEntry) => {
        const { message, ...extra } = log;
        kafkaLogger[levelFor(level, message, extra.error, extra.groupId)]({ namespace, ...extra }, message);
      };
    },
  });
}

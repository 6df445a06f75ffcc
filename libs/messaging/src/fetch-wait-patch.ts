import { KAFKAJS_PATCH_REMEDY } from './aborted-transaction-filter';

/**
 * The delivery consumers give kafkajs a function as `maxWaitTimeInMs`, read before every fetch
 * (patches/kafkajs+2.2.4.patch; decision 0027). Published kafkajs would send the function itself as the wait
 * and fetch without pause, thousands of times a second. Every Kafka client checks the patch is in place before it
 * is made, like the aborted-transaction filter's.
 */

/** The source of kafkajs' consumer-group fetch, where the patch reads the wait. */
export function kafkajsConsumerGroupFetchSource(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs does not export it; the internal module is what its consumers run
  const ConsumerGroup = require('kafkajs/src/consumer/consumerGroup') as { prototype: { fetch: (...args: unknown[]) => unknown } };
  return ConsumerGroup.prototype.fetch.toString();
}

const READS_WAIT_PER_FETCH = "typeof this.maxWaitTime === 'function'";

let checked = false;

/** Throws, naming the fix, when kafkajs would not read a function-valued fetch wait. */
export function assertFetchWaitReadPerFetch(fetchSource: string = kafkajsConsumerGroupFetchSource()): void {
  if (checked) return;
  if (!fetchSource.includes(READS_WAIT_PER_FETCH)) {
    throw new Error(
      'kafkajs is not patched: its consumers cannot take a fetch wait that follows the traffic. ' +
        KAFKAJS_PATCH_REMEDY,
    );
  }
  checked = true;
}

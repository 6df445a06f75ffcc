/**
 * The broker could not take a message in time (stopped, unreachable, no leader for the partition):
 * nothing was published, and a retry later may succeed. The admin API answers it with 503
 * `kafka_unavailable` and Retry-After, never as a database outage or a 500.
 */
export class KafkaUnavailableError extends Error {
  override readonly name = 'KafkaUnavailableError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

// kafkajs names of errors that mean "the cluster cannot be reached or cannot take it now".
const UNAVAILABLE_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSTimeout',
  'KafkaJSLockTimeout',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSNotImplemented',
]);

/** Whether a kafkajs error means the broker is away (or refuses for now), as opposed to a bad message. */
export function isKafkaUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  if (error instanceof KafkaUnavailableError) return true;
  const e = error as { name?: unknown; retriable?: unknown; cause?: unknown; originalError?: unknown };
  if (typeof e.name === 'string' && UNAVAILABLE_NAMES.has(e.name)) return true;
  if (typeof e.name === 'string' && e.name.startsWith('KafkaJS') && e.retriable === true) return true;
  return [e.cause, e.originalError].some((inner) => inner !== error && isKafkaUnavailable(inner, depth + 1));
}

/**
 * `work` within `ms`, else a KafkaUnavailableError saying what did not finish; a failure that means
 * the broker is away becomes one too. (kafkajs may finish the work later: callers must tolerate that.)
 */
export async function withinDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new KafkaUnavailableError(`Kafka did not ${what} within ${ms} ms`)), ms);
  });
  try {
    // race subscribes to `work`, so its later rejection is handled.
    return await Promise.race([work, expired]);
  } catch (err) {
    if (err instanceof KafkaUnavailableError) throw err;
    if (isKafkaUnavailable(err)) throw new KafkaUnavailableError(`Kafka could not be reached to ${what}`, { cause: err });
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

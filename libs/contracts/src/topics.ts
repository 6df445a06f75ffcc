// Kafka topic and header names used between the services.
// Renaming any of these breaks messages already in flight: add a new name and migrate instead.

/** Domain topics are named exactly as the event type (`order.new`); everything we own lives under this prefix. */
export const INTERNAL_TOPIC_PREFIX = 'webhooks.';

export const Topics = {
  /** One message per (event, endpoint), key = endpoint id. */
  deliveries: 'webhooks.deliveries',
  /** Deliveries whose last attempt failed. */
  deadLetters: 'webhooks.deliveries.dead-letter',
  /** Domain messages that broke the contract, with the reason in headers. */
  quarantine: 'webhooks.quarantine',
  /** Endpoint created/changed/deleted, key = organization id; consumers drop their caches. */
  endpointChanges: 'webhooks.endpoint-changes',
  /**
   * Signed requests for CLI listen sessions (SPEC §11), key = session (endpoint) id. Every admin API
   * instance reads all of it (a group of its own); the one holding the session's connection passes it on.
   */
  listenRequests: 'webhooks.listen.requests',
  /** The CLI's answers to those requests, key = request id. Every delivery instance reads all of it. */
  listenReplies: 'webhooks.listen.replies',
} as const;

/** One delay topic per backoff tier: every message in it waits the same time, so a partition is in due order. */
export function retryTierTopic(delaySeconds: number): string {
  return `${Topics.deliveries}.retry.${formatSeconds(delaySeconds)}`;
}

/** Every retry tier topic there is, in today's schedule or not: tier consumers subscribe by it, so a schedule change strands nothing. */
export const RETRY_TIER_TOPIC_PATTERN = new RegExp(`^${Topics.deliveries.replace(/\./g, '\\.')}\\.retry\\.`);

function formatSeconds(seconds: number): string {
  return Number.isInteger(seconds) ? `${seconds}s` : `${Math.round(seconds * 1000)}ms`;
}

export const Headers = {
  quarantineReason: 'x-quarantine-reason',
  /** The reason's kind (`schema`, `not_json`, `unknown_organization`, ...), the label of the quarantine metric. */
  quarantineKind: 'x-quarantine-kind',
  /** JSON with the particulars where there are some: a schema's violations (`[{path, message}]`, ajv's). */
  quarantineDetails: 'x-quarantine-details',
  sourceTopic: 'x-source-topic',
  sourcePartition: 'x-source-partition',
  sourceOffset: 'x-source-offset',
  /** Epoch milliseconds before which a retry-tier message must not be attempted. */
  dueAt: 'x-due-at',
  deadLetterReason: 'x-dead-letter-reason',
} as const;

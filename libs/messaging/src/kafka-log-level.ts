import { logLevel } from 'kafkajs';

export type LogLevelName = 'error' | 'warn' | 'info' | 'debug';

const LEVELS: Record<number, LogLevelName> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * Answers from the broker that kafkajs retries by itself and that every service meets while it starts on
 * a fresh broker, joins a group or races another service to create the same topics. kafkajs logs each
 * one at error level; if its retries run out, the call fails and the caller logs that (it is what needs a
 * person), so the single answers are debug.
 */
const EXPECTED_WHILE_STARTING = new RegExp(
  [
    'coordinator is not available',
    'coordinator is loading',
    'not the correct coordinator',
    'is not the coordinator',
    'group is rebalancing',
    'rebalance in progress',
    'not the leader for that topic-partition',
    'There is no leader for this topic-partition',
    'does not host this topic-partition',
    'Leader not available',
    'Topic creation errors',
    'already exists',
    'another concurrent operation on the same transaction',
    // Partitions added to a topic since the producer fetched its metadata (patched kafkajs refreshes and resends).
    'which the metadata does not have',
  ].join('|'),
  'i',
);

/**
 * Group membership changes, and consumer crashes kafkajs restarts the consumer from at once: worth a line at info,
 * nothing a person has to act on. Seen on a fresh or restarted broker while several groups join at once: a member
 * the coordinator forgot (answered with a rejoin or a crash), a group coordinator still loading or not yet elected.
 * A give-up after retries (KafkaJSNumberOfRetriesExceeded) is not among them and keeps its level.
 */
const RECOVERED_BY_KAFKAJS = new RegExp(
  `^(${[
    'The group is rebalancing, re-joining$',
    'The coordinator is not aware of this member, re-joining the group$',
    'Consumer is not aware of all assigned partitions, refreshing metadata$',
    '.*, resync group$',
    'Crash: KafkaJSProtocolError: The coordinator is not aware of this member$',
    'Crash: KafkaJSProtocolError: The coordinator is loading',
    'Crash: KafkaJSProtocolError: The group coordinator is not available',
  ].join('|')})`,
);

/**
 * The level at which a kafkajs log entry goes into the service's log: kafkajs' own, except for the
 * expected conditions above, so that a healthy start reads as healthy (issue 19).
 */
export function kafkaLogLevel(level: number, message: string, error?: unknown): LogLevelName {
  const given = LEVELS[level] ?? 'info';
  if (given !== 'error' && given !== 'warn') return given;
  // A deliberate setting of ours (bounded retries, see createKafka), said once per producer.
  if (message.startsWith('Limiting retries for the idempotent producer')) return 'debug';
  if (RECOVERED_BY_KAFKAJS.test(message)) return 'info';
  const text = `${message} ${typeof error === 'string' ? error : ''}`;
  // Only a broker's answer or a send/create that kafkajs will retry: a crash or a give-up keeps its level.
  const retried = /^Response |^Failed to send messages: |^Could not create topics/.test(message);
  if (retried && EXPECTED_WHILE_STARTING.test(text)) return 'debug';
  return given;
}

/**
 * kafkaLogLevel for one client's entries, in order: kafkajs follows each consumer crash it recovers from with
 * "Restarting the consumer in N ms", which says nothing of the cause, so it takes the level its crash line got
 * (a forgotten member: info; anything else: error).
 */
export function kafkaLogLeveller(): (level: number, message: string, error?: unknown, groupId?: unknown) => LogLevelName {
  const crashLevel = new Map<unknown, LogLevelName>();
  return (level, message, error, groupId) => {
    const chosen = kafkaLogLevel(level, message, error);
    if (message.startsWith('Crash: ')) crashLevel.set(groupId, chosen);
    if (message.startsWith('Restarting the consumer in ')) return crashLevel.get(groupId) ?? chosen;
    return chosen;
  };
}

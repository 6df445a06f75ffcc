import { INTERNAL_TOPIC_PREFIX } from '@app/contracts';

/** Kafka's own topics (`__consumer_offsets`, `__transaction_state`). */
const KAFKA_INTERNAL_PREFIX = '__';

/** Topics the fan-out must never read as domain topics, whatever the configuration says. */
export function isInternalTopic(topic: string): boolean {
  return topic.startsWith(INTERNAL_TOPIC_PREFIX) || topic.startsWith(KAFKA_INTERNAL_PREFIX);
}

/**
 * The domain topics to consume: the existing ones that are listed or match the pattern, minus
 * internal topics, sorted so two selections compare with `sameTopics`.
 */
export function selectDomainTopics(existing: Iterable<string>, listed: readonly string[], pattern: RegExp | null): string[] {
  const wanted = new Set(listed);
  const selected = new Set<string>();
  for (const topic of existing) {
    if (isInternalTopic(topic)) continue;
    if (wanted.has(topic) || (pattern !== null && pattern.test(topic))) selected.add(topic);
  }
  return [...selected].sort();
}

export function sameTopics(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((topic, i) => topic === b[i]);
}

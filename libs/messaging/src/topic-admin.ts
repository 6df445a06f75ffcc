import { Admin, ITopicConfig, Kafka } from 'kafkajs';
import { Topics, retryTierTopic } from '@app/contracts';

export interface TopicLayout {
  partitions: number;
  replicationFactor: number;
  /** min.insync.replicas of every topic created (the producers send with acks = all). */
  minInsyncReplicas?: number;
}

function topicConfig(layout: TopicLayout, topic: string, extra: ITopicConfig['configEntries'] = []): ITopicConfig {
  const minIsr = layout.minInsyncReplicas ?? 1;
  return {
    topic,
    numPartitions: layout.partitions,
    replicationFactor: layout.replicationFactor,
    configEntries: [{ name: 'min.insync.replicas', value: String(minIsr) }, ...extra],
  };
}

/**
 * Creates the topics that are missing; existing topics are left as they are. Idempotent, and safe
 * when several services create the same topics at the same moment (the loser sees transient
 * "already exists" or "does not host this topic-partition" answers and simply checks again).
 */
export async function ensureTopics(kafka: Kafka, topics: ITopicConfig[], attempts = 10): Promise<void> {
  await withAdmin(kafka, attempts, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  });
}

/** Runs `step` with a connected admin client, again after a growing pause when it fails (metadata still propagating). */
async function withAdmin<T>(kafka: Kafka, attempts: number, step: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        return await step(admin);
      } catch (err) {
        if (attempt >= attempts) throw err;
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Adds partitions to the deliveries topic, its retry tiers and dead letters up to `layout.partitions`, all
 * of them together, so an endpoint's partition number exists in each. Endpoints keep their stored partition
 * (nothing in flight moves); new endpoints fill the new partitions first. Domain topics are never grown here:
 * their producers key by organization, and growing would move organizations between partitions.
 */
export async function growDeliveryTopics(kafka: Kafka, layout: TopicLayout, retryScheduleSeconds: readonly number[]): Promise<string[]> {
  const names = [Topics.deliveries, ...[...new Set(retryScheduleSeconds)].map((s) => retryTierTopic(s)), Topics.deadLetters];
  // Right after the topics were created a broker may not know them yet ("does not host this topic-partition").
  return withAdmin(kafka, 10, async (admin) => {
    const { topics } = await admin.fetchTopicMetadata({ topics: names });
    const grow = topics.filter((t) => t.partitions.length < layout.partitions).map((t) => ({ topic: t.name, count: layout.partitions }));
    if (grow.length > 0) await admin.createPartitions({ topicPartitions: grow, validateOnly: false });
    return grow.map((g) => g.topic);
  });
}

/** The internal topics of the pipeline: deliveries, one per retry tier, dead letters, quarantine, changes, listen relay. */
export function pipelineTopics(layout: TopicLayout, retryScheduleSeconds: readonly number[]): ITopicConfig[] {
  // Tier delays above the default retention would expire messages before they are due.
  const retention = { name: 'retention.ms', value: String(14 * 24 * 3600 * 1000) };
  return [
    topicConfig(layout, Topics.deliveries),
    ...[...new Set(retryScheduleSeconds)].map((s) => topicConfig(layout, retryTierTopic(s), [retention])),
    topicConfig(layout, Topics.deadLetters, [retention]),
    topicConfig(layout, Topics.quarantine, [retention]),
    topicConfig(layout, Topics.endpointChanges),
    // Relay traffic is worth seconds (a request outlives its timeout by nothing): an hour keeps the disk small.
    ...[Topics.listenRequests, Topics.listenReplies].map((topic) => topicConfig(layout, topic, [{ name: 'retention.ms', value: String(3600 * 1000) }])),
  ];
}

export function domainTopics(layout: TopicLayout, eventTypes: readonly string[]): ITopicConfig[] {
  return eventTypes.map((topic) => topicConfig(layout, topic));
}

import { Kafka, Partitioners } from 'kafkajs';

const TTL_MS = 30_000;

/**
 * How many partitions a topic has, from the cluster's metadata, cached for 30 s: partitions added by an
 * operator are used within that time.
 */
export class TopicPartitionCounts {
  private readonly cache = new Map<string, { count: Promise<number>; at: number }>();

  constructor(private readonly kafka: Kafka) {}

  count(topic: string): Promise<number> {
    const hit = this.cache.get(topic);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.count;
    const entry = { count: this.fetch(topic), at: Date.now() };
    this.cache.set(topic, entry);
    entry.count.catch(() => {
      if (this.cache.get(topic) === entry) this.cache.delete(topic);
    });
    return entry.count;
  }

  private async fetch(topic: string, attempts = 5): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
          const partitions = topics[0]?.partitions.length ?? 0;
          if (partitions === 0) throw new Error(`topic ${topic} has no partitions yet`);
          return partitions;
        } catch (err) {
          // Just created: a broker may not know the topic for a moment.
          if (attempt >= attempts) throw err;
          await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
        }
      }
    } finally {
      await admin.disconnect();
    }
  }
}

const defaultPartitioner = Partitioners.DefaultPartitioner();

/** The partition kafkajs' default partitioner (murmur2, as the Java client) gives `key` among `partitions`. */
export function hashPartition(key: string, partitions: number): number {
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
  return defaultPartitioner({ topic: '', partitionMetadata, message: { key, value: null } });
}

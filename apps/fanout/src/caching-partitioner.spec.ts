import { PartitionMetadata, Partitioners } from 'kafkajs';
import { CachingDefaultPartitioner } from './caching-partitioner';

const metadata = (count: number): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0, offlineReplicas: [] }));

describe('CachingDefaultPartitioner', () => {
  it('should choose the same partition as the default partitioner for every key and partition count', () => {
    const cached = CachingDefaultPartitioner();
    const reference = Partitioners.DefaultPartitioner();
    for (const count of [1, 4, 12]) {
      for (let i = 0; i < 200; i++) {
        // Asked twice so the second answer comes from the cache.
        for (const round of [1, 2]) {
          const args = { topic: 'webhooks.deliveries', partitionMetadata: metadata(count), message: { key: `ep_${i}`, value: 'x' } };
          expect([round, cached(args)]).toEqual([round, reference(args)]);
        }
      }
    }
  });

  it('should honour an explicit partition and leave keyless messages to the default partitioner', () => {
    const cached = CachingDefaultPartitioner();
    expect(cached({ topic: 't', partitionMetadata: metadata(12), message: { key: 'ep_1', value: 'x', partition: 7 } })).toBe(7);
    const keyless = cached({ topic: 't', partitionMetadata: metadata(12), message: { key: null, value: 'x' } });
    expect(keyless).toBeGreaterThanOrEqual(0);
    expect(keyless).toBeLessThan(12);
  });
});

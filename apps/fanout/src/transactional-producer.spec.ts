import { TopicMessages } from 'kafkajs';
import { byPartition, chunkByBytes, isFenced } from './transactional-producer';

const message = (bytes: number) => ({ key: 'k', value: Buffer.alloc(bytes) });
const sizes = (chunks: TopicMessages[][]) => chunks.map((chunk) => chunk.map((t) => `${t.topic}:${t.messages.length}`));

describe('chunkByBytes', () => {
  it.each<[string, TopicMessages[], number, string[][]]>([
    ['nothing to send', [], 1000, []],
    ['everything in one request when it fits', [{ topic: 'a', messages: [message(100), message(100)] }, { topic: 'b', messages: [message(100)] }], 1000, [['a:2', 'b:1']]],
    ['a new request when the next message would overflow', [{ topic: 'a', messages: [message(400), message(400), message(400)] }], 1000, [['a:2'], ['a:1']]],
    ['a topic split across requests', [{ topic: 'a', messages: [message(600)] }, { topic: 'b', messages: [message(300), message(300)] }], 1000, [['a:1', 'b:1'], ['b:1']]],
    ['a message larger than the limit alone', [{ topic: 'a', messages: [message(10), message(5000), message(10)] }], 1000, [['a:1'], ['a:1'], ['a:1']]],
  ])('should produce the expected requests for %s', (_name, outgoing, limit, expected) => {
    expect(sizes(chunkByBytes(outgoing, limit))).toEqual(expected);
  });

  it('should keep every message, in order, when splitting', () => {
    const messages = Array.from({ length: 50 }, (_, i) => ({ key: String(i), value: Buffer.alloc(97) }));
    const chunks = chunkByBytes([{ topic: 'a', messages }], 1000);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flat().flatMap((t) => t.messages.map((m) => m.key))).toEqual(messages.map((m) => m.key));
  });
});

describe('byPartition', () => {
  const at = (partition: number, key: string) => ({ key, value: Buffer.alloc(10), partition });

  it('should group by (topic, partition) in first-seen order, keeping each group in order', () => {
    const groups = byPartition([
      { topic: 'd', messages: [at(1, 'a'), at(0, 'b'), at(1, 'c')] },
      { topic: 'q', messages: [at(1, 'x')] },
    ]);
    expect(groups.map((g) => `${g.topic}/${g.messages[0].partition}:${g.messages.map((m) => m.key).join('')}`)).toEqual(['d/1:ac', 'd/0:b', 'q/1:x']);
  });

  it('should refuse a message without a partition (kafkajs would pick one, and its leader, in parallel)', () => {
    expect(() => byPartition([{ topic: 'd', messages: [{ key: 'k', value: 'v' }] }])).toThrow('without a partition');
  });

  it('should leave the groups of several partitions in one request when they fit (kafkajs registers them at once)', () => {
    const chunks = chunkByBytes(byPartition([{ topic: 'd', messages: [at(0, 'a'), at(1, 'b'), at(0, 'c')] }]), 1000);
    expect(chunks.map((c) => c.map((t) => `${t.topic}/${t.messages[0].partition}:${t.messages.length}`))).toEqual([['d/0:2', 'd/1:1']]);
  });
});

describe('isFenced', () => {
  it.each<[string, unknown, boolean]>([
    ['INVALID_PRODUCER_EPOCH', { type: 'INVALID_PRODUCER_EPOCH' }, true],
    ['PRODUCER_FENCED by code', { code: 90 }, true],
    ['wrapped by kafkajs', new Error('x', { cause: { type: 'INVALID_PRODUCER_EPOCH' } }), true],
    ["kafkajs' own wording", new Error('Producer attempted an operation with an old epoch. Either there is a newer producer'), true],
    ['CONCURRENT_TRANSACTIONS', { type: 'CONCURRENT_TRANSACTIONS', message: 'another concurrent operation' }, false],
    ['a connection error', new Error('Connection timeout'), false],
    ['nothing', null, false],
  ])('should tell %s', (_name, err, fenced) => {
    expect(isFenced(err)).toBe(fenced);
  });
});

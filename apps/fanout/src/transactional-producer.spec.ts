import { TopicMessages } from 'kafkajs';
import { chunkByBytes } from './transactional-producer';

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

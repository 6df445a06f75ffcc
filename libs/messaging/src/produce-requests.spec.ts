import { Message } from 'kafkajs';
import { splitIntoRequests } from './produce-requests';

const msg = (bytes: number): Message => ({ key: null, value: Buffer.alloc(bytes) });
/** The shape of the requests: per request, [topic, message count] pairs. */
const shape = (requests: ReturnType<typeof splitIntoRequests>) => requests.map((r) => r.map((b) => [b.topic, b.messages.length]));

describe('splitIntoRequests', () => {
  it.each([
    { name: 'should keep a small round in one request', batches: [{ topic: 'a', messages: [msg(10), msg(10)] }], max: 100, want: [[['a', 2]]] },
    { name: 'should cut where the next message would pass the bound', batches: [{ topic: 'a', messages: [msg(40), msg(40), msg(40)] }], max: 100, want: [[['a', 2]], [['a', 1]]] },
    { name: 'should carry several topics in one request while they fit', batches: [{ topic: 'a', messages: [msg(30)] }, { topic: 'b', messages: [msg(30)] }], max: 100, want: [[['a', 1], ['b', 1]]] },
    { name: 'should continue a topic in the next request', batches: [{ topic: 'a', messages: [msg(60)] }, { topic: 'b', messages: [msg(30), msg(30)] }], max: 100, want: [[['a', 1], ['b', 1]], [['b', 1]]] },
    { name: 'should send a message larger than the bound alone', batches: [{ topic: 'a', messages: [msg(10), msg(500), msg(10)] }], max: 100, want: [[['a', 1]], [['a', 1]], [['a', 1]]] },
    { name: 'should make no request for nothing', batches: [{ topic: 'a', messages: [] }], max: 100, want: [] },
  ])('$name', ({ batches, max, want }) => {
    expect(shape(splitIntoRequests(batches, max))).toEqual(want);
  });

  it('should lose and reorder nothing', () => {
    const messages = Array.from({ length: 1000 }, (_, i) => ({ key: String(i), value: Buffer.alloc(i % 97) }));
    const requests = splitIntoRequests([{ topic: 't', messages }], 2048);
    expect(requests.flatMap((r) => r.flatMap((b) => b.messages.map((m) => m.key)))).toEqual(messages.map((m) => m.key));
    for (const r of requests.filter((x) => x.flatMap((b) => b.messages).length > 1)) {
      expect(r.flatMap((b) => b.messages).reduce((n, m) => n + (m.value as Buffer).length + String(m.key).length, 0)).toBeLessThanOrEqual(2048);
    }
  });
});

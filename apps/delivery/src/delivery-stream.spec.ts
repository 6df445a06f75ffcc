import { KafkaMessage } from 'kafkajs';
import { toEngineMessage } from './delivery-stream';

/** Every Buffer reachable from a value (objects and arrays walked, cycles skipped). */
function buffersIn(value: unknown, seen = new Set<unknown>()): Buffer[] {
  if (value === null || typeof value !== 'object' || seen.has(value)) return [];
  seen.add(value);
  if (Buffer.isBuffer(value)) return [value];
  return Object.values(value as Record<string, unknown>).flatMap((v) => buffersIn(v, seen));
}

const readable = JSON.stringify({
  deliveryId: 'del_1',
  organizationId: 'org_1',
  endpointId: 'ep_1',
  attempt: 1,
  trigger: 'event',
  event: { id: 'evt_1', type: 'order.new', organizationId: 'org_1', mode: 'live', occurredAt: '2026-12-03T00:00:00.000Z', data: {} },
});

// kafkajs hands out key, value and header buffers that are views into the whole fetch response (Decoder.readBytes
// slices). A buffered message that keeps one keeps the response: at a 64 MiB buffer bound the delivery service
// peaked at 920 MB RSS draining a 200,000-message backlog (779 MB once nothing of the kafkajs message was kept).
describe('toEngineMessage', () => {
  it.each([
    ['a delivery message', readable, null],
    ['a value that is not JSON', 'not json', /JSON/],
    ['a value missing the endpoint', JSON.stringify({ deliveryId: 'del_1' }), /missing deliveryId, endpointId or event/],
  ])('should keep nothing of the fetch response for %s', (_what, text, unreadable) => {
    const response = Buffer.alloc(1024 * 1024);
    const key = Buffer.from('ep_1');
    key.copy(response, 0);
    const valueAt = 64;
    const written = response.write(text, valueAt);
    const message: KafkaMessage = {
      key: response.subarray(0, key.length),
      value: response.subarray(valueAt, valueAt + written),
      headers: { 'webhooks-due-at': response.subarray(0, 1) },
      timestamp: '0',
      attributes: 0,
      offset: '7',
    };

    const taken = toEngineMessage('webhooks.deliveries', 0, message, 1);

    expect(buffersIn(taken.payload).filter((b) => b.buffer === response.buffer)).toEqual([]);
    expect(taken.offset).toBe('7');
    if (unreadable === null) {
      expect(taken.payload.decoded?.endpointId).toBe('ep_1');
      expect(taken.payload.unreadable).toBeNull();
    } else {
      expect(taken.payload.decoded).toBeNull();
      // The quarantine still gets the message as it came.
      expect(taken.payload.unreadable?.reason).toMatch(unreadable);
      expect(taken.payload.unreadable?.value?.toString()).toBe(text);
      expect(taken.payload.unreadable?.key?.toString()).toBe('ep_1');
    }
  });
});

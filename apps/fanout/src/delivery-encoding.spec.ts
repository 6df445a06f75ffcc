import { decodeDeliveryMessage, decodeDomainEvent, DomainEvent, encodeDeliveryMessage } from '@app/contracts';
import { newDeliveryEncoder } from './delivery-encoding';

function event(data: Record<string, unknown>, organizationId = 'org_1'): DomainEvent {
  const raw = { id: 'evt_1', type: 'order.new', organizationId, mode: 'live', occurredAt: '2026-11-28T10:00:00.000Z', data };
  const decoded = decodeDomainEvent('order.new', Buffer.from(JSON.stringify(raw)));
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.event;
}

describe('newDeliveryEncoder', () => {
  it.each<[string, DomainEvent]>([
    ['a plain event', event({ orderId: 'o1', total: 12.5, items: [{ sku: 'A', qty: 2 }] })],
    ['quotes, backslashes and control characters', event({ note: 'say "hi"\\ \n\t\u0001' })],
    ['non-ASCII text and emoji', event({ name: 'Zoë – 東京 🚀' })],
    ['an organization id that needs escaping', event({}, 'org_"quoted"')],
    ['empty data', event({})],
  ])('should produce exactly the bytes of encodeDeliveryMessage for %s', (_name, e) => {
    const encoded = newDeliveryEncoder(e).encode('del_0123', 'ep_"x"');
    const reference = encodeDeliveryMessage({ deliveryId: 'del_0123', organizationId: e.organizationId, endpointId: 'ep_"x"', attempt: 1, event: e, trigger: 'event' });
    expect(encoded.equals(reference)).toBe(true);
    expect(decodeDeliveryMessage(encoded).event).toEqual({ ...e });
  });

  it.each([[undefined], [0], [11]])('should produce exactly the bytes of encodeDeliveryMessage with partition %s', (partition) => {
    const e = event({ orderId: 'o1' });
    const encoded = newDeliveryEncoder(e).encode('del_1', 'ep_1', partition);
    const message = { deliveryId: 'del_1', organizationId: e.organizationId, endpointId: 'ep_1', attempt: 1, event: e, trigger: 'event' as const };
    expect(encoded.equals(encodeDeliveryMessage(partition === undefined ? message : { ...message, partition }))).toBe(true);
    expect(decodeDeliveryMessage(encoded).partition).toBe(partition);
  });

  it('should produce exactly the bytes of encodeDeliveryMessage with stage timestamps', () => {
    const e = event({ orderId: 'o1' });
    const stages = { publishedAt: 1_764_000_000_123, fanoutReadAt: 1_764_000_000_130 };
    const encoded = newDeliveryEncoder(e).encode('del_1', 'ep_1', 3, stages);
    const message = { deliveryId: 'del_1', organizationId: e.organizationId, endpointId: 'ep_1', attempt: 1, event: e, trigger: 'event' as const, partition: 3, stages };
    expect(encoded.equals(encodeDeliveryMessage(message))).toBe(true);
    expect(decodeDeliveryMessage(encoded).stages).toEqual(stages);
  });

  it('should report the encoded event size in bytes, not characters', () => {
    const e = event({ name: '東京' });
    expect(newDeliveryEncoder(e).eventBytes).toBe(Buffer.byteLength(JSON.stringify(e)));
  });
});

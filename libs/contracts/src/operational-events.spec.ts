import { decodeDomainEvent } from './domain-event';
import { deliveryExhaustedEvent, domainEventRecord, endpointDisabledEvent, isOperationalEventType } from './operational-events';

const endpoint = { organizationId: 'org_1', mode: 'test' as const, id: 'ep_1', url: 'https://example.com/hook', version: 3 };
const exhausted = { deliveryId: 'del_1', eventId: 'evt_1', eventType: 'order.new', endpointId: 'ep_1', attempts: 5, lastStatusCode: 500 };

describe('operational events', () => {
  it.each<[string, boolean]>([
    ['webhook.endpoint.disabled', true],
    ['webhook.delivery.exhausted', true],
    ['webhook.test', true],
    ['webhooks.deliveries', false],
    ['order.new', false],
  ])('should tell whether %s is operational', (type, expected) => {
    expect(isOperationalEventType(type)).toBe(expected);
  });

  it('should build a disabled event that passes the domain contract on its own topic, keyed by organization', () => {
    const { topic, message } = domainEventRecord(endpointDisabledEvent(endpoint, 'gone', new Date('2026-12-01T00:00:00Z')));
    expect(topic).toBe('webhook.endpoint.disabled');
    expect(message.key).toBe('org_1');
    const decoded = decodeDomainEvent(topic, message.value);
    expect(decoded.ok && decoded.event).toMatchObject({ mode: 'test', data: { endpointId: 'ep_1', url: 'https://example.com/hook', reason: 'gone' } });
  });

  it.each<[string, () => string, () => string, boolean]>([
    ['the same disable published twice', () => endpointDisabledEvent(endpoint, 'gone', new Date(1)).id, () => endpointDisabledEvent(endpoint, 'gone', new Date(2)).id, true],
    ['a later disable of the same endpoint', () => endpointDisabledEvent(endpoint, 'gone', new Date(1)).id, () => endpointDisabledEvent({ ...endpoint, version: 5 }, 'gone', new Date(1)).id, false],
    ['the same exhaustion published twice', () => deliveryExhaustedEvent('org_1', 'live', exhausted, new Date(1)).id, () => deliveryExhaustedEvent('org_1', 'live', exhausted, new Date(9)).id, true],
    ['another delivery exhausted', () => deliveryExhaustedEvent('org_1', 'live', exhausted, new Date(1)).id, () => deliveryExhaustedEvent('org_1', 'live', { ...exhausted, deliveryId: 'del_2' }, new Date(1)).id, false],
  ])('should give %s the expected id equality', (_name, a, b, same) => {
    expect(a() === b()).toBe(same);
  });
});

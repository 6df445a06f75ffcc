import { endpointWantsEvent, RoutableEndpoint } from './routing';

const live: RoutableEndpoint = { status: 'enabled', mode: 'live', eventTypes: ['order.new'] };

describe('endpointWantsEvent', () => {
  it.each<[string, RoutableEndpoint, { type: string; mode: 'live' | 'test' }, boolean]>([
    ['same mode and a listed type', live, { type: 'order.new', mode: 'live' }, true],
    ['a type it did not ask for', live, { type: 'order.updated', mode: 'live' }, false],
    ['a test event on a live endpoint', live, { type: 'order.new', mode: 'test' }, false],
    ['a live event on a test endpoint', { ...live, mode: 'test' }, { type: 'order.new', mode: 'live' }, false],
    ['a disabled endpoint', { ...live, status: 'disabled' }, { type: 'order.new', mode: 'live' }, false],
    ['an endpoint that wants every type', { ...live, eventTypes: ['*'] }, { type: 'product.deleted', mode: 'live' }, true],
    ['a wildcard test endpoint and a live event', { ...live, mode: 'test', eventTypes: ['*'] }, { type: 'order.new', mode: 'live' }, false],
    ['an operational event on a wildcard endpoint', { ...live, eventTypes: ['*'] }, { type: 'webhook.endpoint.disabled', mode: 'live' }, false],
    ['an operational event named by the endpoint', { ...live, eventTypes: ['*', 'webhook.delivery.exhausted'] }, { type: 'webhook.delivery.exhausted', mode: 'live' }, true],
    ['an operational event of the other mode', { ...live, eventTypes: ['webhook.endpoint.disabled'] }, { type: 'webhook.endpoint.disabled', mode: 'test' }, false],
  ])('should decide %s', (_name, endpoint, event, expected) => {
    expect(endpointWantsEvent(endpoint, event)).toBe(expected);
  });
});

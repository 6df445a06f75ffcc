import { decodeListenReply, decodeListenRequest, encodeListenMessage, ListenReply, ListenRequest } from './listen-relay';
import { exampleEventData } from './event-examples';

const request: ListenRequest = {
  requestId: 'r1',
  organizationId: 'org_1',
  sessionId: 'ep_1',
  deliveryId: 'del_1',
  eventId: 'evt_1',
  eventType: 'order.new',
  attempt: 1,
  headers: { 'webhook-id': 'del_1' },
  body: '{}',
  timeoutMs: 5000,
};
const reply: ListenReply = { requestId: 'r1', organizationId: 'org_1', sessionId: 'ep_1', outcome: 'success', statusCode: 200, durationMs: 3, error: null, responseExcerpt: null };

describe('listen relay messages', () => {
  it('should read back what was written', () => {
    expect(decodeListenRequest(encodeListenMessage(request))).toEqual(request);
    expect(decodeListenReply(encodeListenMessage(reply))).toEqual(reply);
  });

  it.each([
    ['no value', null],
    ['not JSON', Buffer.from('{')],
    ['an array', Buffer.from('[]')],
    ['a missing body', Buffer.from(JSON.stringify({ ...request, body: undefined }))],
    ['a header that is not a string', Buffer.from(JSON.stringify({ ...request, headers: { a: 1 } }))],
  ])('should skip a request with %s instead of throwing', (_what, value) => {
    expect(decodeListenRequest(value)).toBeNull();
  });

  it.each([
    ['an unknown outcome', { ...reply, outcome: 'great' }],
    ['a status that is not a number', { ...reply, statusCode: '200' }],
    ['no request id', { ...reply, requestId: 5 }],
  ])('should skip a reply with %s', (_what, value) => {
    expect(decodeListenReply(Buffer.from(JSON.stringify(value)))).toBeNull();
  });
});

describe('exampleEventData', () => {
  it('should give the built-in example of a seeded type, as a fresh copy', () => {
    const a = exampleEventData('order.new');
    expect(a).toMatchObject({ orderId: 'ord_example' });
    a.orderId = 'changed';
    expect(exampleEventData('order.new')).toMatchObject({ orderId: 'ord_example' });
  });

  it('should give {} for a type without an example', () => {
    expect(exampleEventData('invoice.paid')).toEqual({});
  });
});

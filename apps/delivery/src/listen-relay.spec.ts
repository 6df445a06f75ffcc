import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { DeliveryConfig } from '@app/config';
import { DeliveryMessage, ListenReply } from '@app/contracts';
import { KafkaProducer } from '@app/messaging';
import { ListenRelay, toSendResult } from './listen-relay';

const reply = (change: Partial<ListenReply>): ListenReply => ({
  requestId: 'r',
  organizationId: 'org_1',
  sessionId: 'ep_1',
  outcome: 'success',
  statusCode: 200,
  durationMs: 7,
  error: null,
  responseExcerpt: 'ok',
  ...change,
});

describe('toSendResult (the CLI answer judged as an HTTP answer)', () => {
  it.each<[string, Partial<ListenReply>, string, string | null]>([
    ['a 2xx', { statusCode: 204 }, 'success', null],
    ['a 500', { outcome: 'http_error', statusCode: 500, error: 'HTTP 500' }, 'http_error', 'HTTP 500'],
    ['a 3xx the CLI called a success', { outcome: 'success', statusCode: 302 }, 'http_error', 'HTTP 302'],
    ['a refused local connection', { outcome: 'connection_error', statusCode: null, error: 'ECONNREFUSED' }, 'connection_error', 'ECONNREFUSED'],
    ['a local timeout', { outcome: 'timeout', statusCode: null, error: null }, 'timeout', 'timeout'],
  ])('should judge %s', (_what, change, outcome, error) => {
    const result = toSendResult(reply(change));
    expect(result.outcome).toBe(outcome);
    expect(result.error).toBe(error);
  });

  it('should keep the excerpt storable (bounded, no NUL)', () => {
    const result = toSendResult(reply({ responseExcerpt: `a\u0000${'x'.repeat(5000)}` }));
    expect(result.responseExcerpt).toHaveLength(1024);
    expect(result.responseExcerpt?.startsWith('a\uFFFD')).toBe(true);
  });
});

describe('ListenRelay.send, a session that never answers', () => {
  afterEach(() => jest.restoreAllMocks());

  // setTimeout counts from libuv's loop time, read when the loop turn began; Date.now() read later in the turn is
  // ahead of it, so a timer can fire when Date.now() says a little less than its wait (CI saw 2,999 of 3,000 ms).
  it('should report at least the whole wait as the duration of the timeout', async () => {
    const config = { DELIVERY_TIMEOUT_MS: 20, LISTEN_RELAY_ALLOWANCE_MS: 10, INSTANCE_ID: 'test' } as DeliveryConfig;
    const producer = { send: async () => undefined } as unknown as KafkaProducer;
    const relay = new ListenRelay({} as Kafka, {} as Logger, config, producer);
    const realNow = Date.now.bind(Date);
    // The start read 5 ms after the loop turn began, as a turn busy with other work does.
    jest.spyOn(Date, 'now').mockImplementationOnce(() => realNow() + 5);
    const message = { organizationId: 'org_1', endpointId: 'ep_1', deliveryId: 'del_1', attempt: 1, event: { id: 'evt_1', type: 'order.new', mode: 'test' } } as unknown as DeliveryMessage;

    const result = await relay.send(message, {}, '{}');

    expect(result.outcome).toBe('timeout');
    expect(result.durationMs).toBeGreaterThanOrEqual(30);
  });
});

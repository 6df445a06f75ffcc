import { isKafkaUnavailable, KafkaUnavailableError, withinDeadline } from './kafka-unavailable';

const named = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(name), { name, ...extra });

describe('isKafkaUnavailable', () => {
  it.each<[string, unknown, boolean]>([
    ['a refused connection', named('KafkaJSConnectionError'), true],
    ['retries exhausted', named('KafkaJSNumberOfRetriesExceeded'), true],
    ['a request timeout', named('KafkaJSRequestTimeoutError'), true],
    ['a retriable protocol error (no leader)', named('KafkaJSProtocolError', { retriable: true, type: 'LEADER_NOT_AVAILABLE' }), true],
    ['a cause chain', new Error('publish failed', { cause: named('KafkaJSConnectionError') }), true],
    ['our own deadline', new KafkaUnavailableError('late'), true],
    ['a message too large', named('KafkaJSProtocolError', { retriable: false, type: 'MESSAGE_TOO_LARGE' }), false],
    ['a database refusal', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), false],
    ['a programming error', new TypeError('x is not a function'), false],
    ['nothing', undefined, false],
  ])('should judge %s: %s', (_what, error, expected) => {
    expect(isKafkaUnavailable(error)).toBe(expected);
  });
});

describe('withinDeadline', () => {
  it('should resolve with the work when it finishes in time', async () => {
    await expect(withinDeadline(Promise.resolve(7), 1_000, 'work')).resolves.toBe(7);
  });

  it('should fail with KafkaUnavailableError naming what did not finish when the deadline passes', async () => {
    const never = new Promise<never>(() => undefined);
    await expect(withinDeadline(never, 20, 'acknowledge the message')).rejects.toThrow(new KafkaUnavailableError('Kafka did not acknowledge the message within 20 ms'));
  });

  it('should turn a broker failure into KafkaUnavailableError and leave other failures as they are', async () => {
    await expect(withinDeadline(Promise.reject(named('KafkaJSConnectionError')), 1_000, 'send')).rejects.toBeInstanceOf(KafkaUnavailableError);
    const bug = new TypeError('bug');
    await expect(withinDeadline(Promise.reject(bug), 1_000, 'send')).rejects.toBe(bug);
  });
});

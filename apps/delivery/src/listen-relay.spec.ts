import { ListenReply } from '@app/contracts';
import { toSendResult } from './listen-relay';

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

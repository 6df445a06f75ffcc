import { Writable } from 'node:stream';
import { QueryFailedError } from 'typeorm';
import { createLogger } from './logger';

/** A logger at trace level writing into a string. */
function capture(): { logger: ReturnType<typeof createLogger>; output: () => string } {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { logger: createLogger('test', 'trace', sink), output: () => text };
}

describe('createLogger', () => {
  it.each<[string, Record<string, unknown>]>([
    ['a top-level secret', { secret: 'whsec_TOPLEVEL' }],
    ["an object's secret", { endpoint: { id: 'ep_1', secret: 'whsec_NESTED' } }],
    ['an API key', { apiKey: 'shk_KEYVALUE' }],
    ['a nested API key', { created: { apiKey: 'shk_NESTEDKEY' } }],
    ['an Authorization header', { headers: { authorization: 'Bearer shk_HEADER' } }],
    ["a request's Authorization header", { req: { headers: { authorization: 'Bearer shk_REQHEADER' } } }],
  ])('should redact %s', (_what, fields) => {
    const { logger, output } = capture();

    logger.info(fields, 'something happened');

    expect(output()).toContain('[redacted]');
    expect(output()).not.toMatch(/whsec_[A-Z]|shk_[A-Z]/);
  });

  it("should log a failed query's error and statement but not the values bound to it", () => {
    const { logger, output } = capture();
    const failure = new QueryFailedError('UPDATE endpoints SET secret = $1 WHERE id = $2', ['whsec_BOUNDVALUE', 'ep_1'], new Error('connection terminated'));

    logger.error({ err: failure }, 'could not rotate');

    const line = JSON.parse(output()) as { err: Record<string, unknown> };
    expect(line.err).toMatchObject({ type: 'QueryFailedError', message: 'connection terminated', query: 'UPDATE endpoints SET secret = $1 WHERE id = $2' });
    expect(output()).not.toContain('whsec_BOUNDVALUE');
  });

  it('should keep the usual fields of any other error', () => {
    const { logger, output } = capture();

    logger.error({ err: Object.assign(new Error('boom'), { code: 'E_BOOM' }) }, 'failed');

    expect(JSON.parse(output()).err).toMatchObject({ type: 'Error', message: 'boom', code: 'E_BOOM', stack: expect.stringContaining('Error: boom') });
  });
});

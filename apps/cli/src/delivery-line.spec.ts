import { DeliveryLine, formatDeliveryLine } from './delivery-line';

const base: DeliveryLine = {
  at: new Date(2026, 11, 2, 9, 5, 7),
  eventType: 'order.new',
  eventId: 'evt_01',
  attempt: 1,
  outcome: 'success',
  statusCode: 200,
  durationMs: 12.4,
};

describe('formatDeliveryLine', () => {
  it.each<[string, Partial<DeliveryLine>, string]>([
    ['a success', {}, '09:05:07  order.new           evt_01  [200]  12 ms'],
    ['a local 500 on a retry', { outcome: 'http_error', statusCode: 500, attempt: 2, durationMs: 3 }, '09:05:07  order.new           evt_01  [500]  3 ms  (attempt 2)'],
    ['a refused connection', { outcome: 'connection_error', statusCode: null, durationMs: 1 }, '09:05:07  order.new           evt_01  [refused]  1 ms'],
    ['a timeout', { outcome: 'timeout', statusCode: null, durationMs: 5000 }, '09:05:07  order.new           evt_01  [timeout]  5000 ms'],
  ])('should print %s as plain text when stdout is not a terminal', (_what, change, expected) => {
    expect(formatDeliveryLine({ ...base, ...change }, false)).toBe(expected);
  });

  it('should colour the status green on success and red on failure on a terminal', () => {
    expect(formatDeliveryLine(base, true)).toContain('\u001b[32m[200]\u001b[0m');
    expect(formatDeliveryLine({ ...base, outcome: 'http_error', statusCode: 503 }, true)).toContain('\u001b[31m[503]\u001b[0m');
  });
});

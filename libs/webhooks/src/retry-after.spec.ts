import { parseRetryAfter } from './retry-after';

const NOW = Date.parse('2026-12-01T10:00:00Z');

describe('parseRetryAfter', () => {
  it.each<[string, string | null | undefined, number | null]>([
    ['absent', undefined, null],
    ['null', null, null],
    ['delta-seconds', '3', 3],
    ['delta-seconds with spaces', ' 120 ', 120],
    ['zero', '0', 0],
    ['an IMF-fixdate 3 s ahead', 'Tue, 01 Dec 2026 10:00:03 GMT', 3],
    ['an RFC 850 date', 'Tuesday, 01-Dec-26 10:01:00 GMT', 60],
    ['an asctime date', 'Tue Dec  1 10:00:10 2026', 10],
    ['a date in the past', 'Tue, 01 Dec 2026 09:00:00 GMT', 0],
    ['a negative number', '-5', null],
    ['a decimal', '1.5', null],
    ['an ISO date', '2026-12-01T10:00:05Z', null],
    ['garbage', 'soon', null],
    ['an unreadable date', 'Tue, 99 Foo 2026 GMT', null],
    ['an absurdly large delta', '99999999999999999999', 10 * 365 * 24 * 3600],
  ])('should read %s', (_name, value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });

  it('should round a date part of a second ahead up, never down', () => {
    expect(parseRetryAfter('Tue, 01 Dec 2026 10:00:03 GMT', NOW + 500)).toBe(3);
  });
});

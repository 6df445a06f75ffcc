import {
  DEFAULT_RETRY_SCHEDULE_SECONDS,
  MAX_RETRY_DELAY_SECONDS,
  maxAttempts,
  parseRetrySchedule,
  retryDelayAfterAttempt,
} from './backoff';

describe('parseRetrySchedule', () => {
  it.each<[string, string | undefined, number[]]>([
    ['unset', undefined, [10, 100, 1000, 10000]],
    ['empty', '', [10, 100, 1000, 10000]],
    ['blank', '   ', [10, 100, 1000, 10000]],
    ['a single value', '5', [5]],
    ['values with spaces', ' 1 , 2,3 ', [1, 2, 3]],
    ['decimals', '0.5,0.25', [0.5, 0.25]],
    ['a value above the cap', '10,1000000', [10, MAX_RETRY_DELAY_SECONDS]],
  ])('should parse %s', (_label, raw, expected) => {
    expect(parseRetrySchedule(raw)).toEqual(expected);
  });

  it.each([
    ['garbage', '10,abc', 'abc'],
    ['zero', '0', '0'],
    ['a negative number', '10,-5', '-5'],
    ['an empty item', '10,,100', '""'],
    ['a trailing comma', '10,', '""'],
    ['hex', '0x10', '0x10'],
    ['exponent notation', '1e3', '1e3'],
    ['a unit suffix', '10s', '10s'],
  ])('should throw naming the setting and the part when given %s', (_label, raw, part) => {
    expect(() => parseRetrySchedule(raw)).toThrow('RETRY_SCHEDULE_SECONDS');
    expect(() => parseRetrySchedule(raw)).toThrow(part);
  });

  it('should return a copy when defaulting', () => {
    const schedule = parseRetrySchedule(undefined);
    schedule.push(1);
    expect(DEFAULT_RETRY_SCHEDULE_SECONDS).toEqual([10, 100, 1000, 10000]);
  });
});

describe('retryDelayAfterAttempt', () => {
  it.each<[number, number | null]>([
    [1, 10],
    [2, 100],
    [3, 1000],
    [4, 10000],
    [5, null],
    [6, null],
  ])('should wait the default delay after attempt %i', (attempt, expected) => {
    expect(retryDelayAfterAttempt(DEFAULT_RETRY_SCHEDULE_SECONDS, attempt)).toBe(expected);
  });

  it.each<[string, readonly number[], number, number | null]>([
    ['a shrunk schedule', [0.5, 1], 2, 1],
    ['a shrunk schedule exhausted', [0.5, 1], 3, null],
    ['an empty schedule', [], 1, null],
    ['an uncapped hand-built schedule', [500000], 1, MAX_RETRY_DELAY_SECONDS],
  ])('should follow %s', (_label, schedule, attempt, expected) => {
    expect(retryDelayAfterAttempt(schedule, attempt)).toBe(expected);
  });

  it.each([0, -1, 1.5])('should throw when the attempt number is %p', (attempt) => {
    expect(() => retryDelayAfterAttempt(DEFAULT_RETRY_SCHEDULE_SECONDS, attempt)).toThrow(RangeError);
  });
});

describe('maxAttempts', () => {
  it.each<[readonly number[], number]>([
    [DEFAULT_RETRY_SCHEDULE_SECONDS, 5],
    [[1], 2],
    [[], 1],
  ])('should be one more than the schedule %p', (schedule, expected) => {
    expect(maxAttempts(schedule)).toBe(expected);
  });
});

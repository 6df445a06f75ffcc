import { jitteredMs, planRetry, RetryPlan } from './retry-plan';

const SCHEDULE = [10, 100, 1000, 10000];

describe('planRetry', () => {
  it.each<[string, readonly number[], number, number | null, RetryPlan | null]>([
    ['no Retry-After', SCHEDULE, 1, null, { tierSeconds: 10, delayMs: 10_000, retryAfter: 'none' }],
    ['a later attempt', SCHEDULE, 3, null, { tierSeconds: 1000, delayMs: 1_000_000, retryAfter: 'none' }],
    ['Retry-After shorter than the schedule (never shorter than it)', SCHEDULE, 2, 5, { tierSeconds: 100, delayMs: 100_000, retryAfter: 'within_schedule' }],
    ['Retry-After equal to the schedule', SCHEDULE, 1, 10, { tierSeconds: 10, delayMs: 10_000, retryAfter: 'within_schedule' }],
    ['Retry-After between two tiers: waits what was asked, in the next tier after it', SCHEDULE, 1, 60, { tierSeconds: 100, delayMs: 60_000, retryAfter: 'lengthened' }],
    ['Retry-After exactly a tier', SCHEDULE, 1, 1000, { tierSeconds: 1000, delayMs: 1_000_000, retryAfter: 'lengthened' }],
    ['Retry-After beyond the largest wait: capped', SCHEDULE, 1, 86_400, { tierSeconds: 10000, delayMs: 10_000_000, retryAfter: 'capped' }],
    ['Retry-After 3 under a 1 s first tier', [1, 5, 5], 1, 3, { tierSeconds: 5, delayMs: 3_000, retryAfter: 'lengthened' }],
    ['Retry-After with a one-tier schedule', [1, 1], 1, 3, { tierSeconds: 1, delayMs: 1_000, retryAfter: 'capped' }],
    ['the last attempt', SCHEDULE, 5, 3, null],
  ])('should plan %s', (_name, schedule, attempt, asked, expected) => {
    expect(planRetry(schedule, attempt, asked, 0, 0.5)).toEqual(expected);
  });

  it('should never jitter below the wait nor above +10 %', () => {
    for (const random of [0, 0.25, 0.5, 0.999999]) {
      const plan = planRetry(SCHEDULE, 1, 60, 0.1, random);
      expect(plan!.delayMs).toBeGreaterThanOrEqual(60_000);
      expect(plan!.delayMs).toBeLessThanOrEqual(66_000);
      expect(plan!.tierSeconds).toBe(100);
    }
  });
});

describe('jitteredMs', () => {
  it.each<[string, number, number, number, number]>([
    ['no jitter', 10, 0, 0.7, 10_000],
    ['full jitter at the top', 10, 0.1, 1, 11_000],
    ['half jitter', 10, 0.1, 0.5, 10_500],
    ['a fraction above 10 % is clamped', 10, 0.5, 1, 11_000],
    ['a negative fraction is clamped', 10, -1, 1, 10_000],
    ['sub-second tiers', 0.5, 0.1, 1, 550],
  ])('should spread %s', (_name, seconds, fraction, random, expected) => {
    expect(jitteredMs(seconds, fraction, random)).toBe(expected);
  });
});

import { MAX_RETRY_DELAY_SECONDS, retryDelayAfterAttempt } from './backoff';

/** Waits are spread by up to this fraction (+10 %, SPEC §9) so failures that happened together do not retry together. */
export const MAX_JITTER_FRACTION = 0.1;

/** What a receiver's Retry-After did to the wait. */
export type RetryAfterEffect = 'none' | 'within_schedule' | 'lengthened' | 'capped';

export interface RetryPlan {
  /** The tier topic the message waits in (a schedule entry): the one whose delay is at least the wait. */
  tierSeconds: number;
  /** From now to the attempt (the `x-due-at` header): the wait, jittered, never below it. */
  delayMs: number;
  retryAfter: RetryAfterEffect;
}

/**
 * When the attempt after `attemptNumber` comes, and in which tier it waits; null when no attempt
 * is left. The wait is the schedule's, or the receiver's `Retry-After` when longer, capped at the
 * largest wait of the schedule. The message waits in the smallest tier whose delay is at least the
 * wait: a tier partition is read in due order, so a message waits at most as long as that tier's
 * messages before it, i.e. no later than that tier's delay (plus their jitter). See decision 0003.
 *
 * `random` is a number in [0, 1) (Math.random in the service, fixed in tests).
 */
export function planRetry(
  schedule: readonly number[],
  attemptNumber: number,
  askedSeconds: number | null,
  jitterFraction: number,
  random: number,
): RetryPlan | null {
  const scheduled = retryDelayAfterAttempt(schedule, attemptNumber);
  if (scheduled === null) return null;
  const tiers = [...new Set(schedule.map((s) => Math.min(s, MAX_RETRY_DELAY_SECONDS)))].sort((a, b) => a - b);
  const largest = tiers[tiers.length - 1];

  let wait = scheduled;
  let tier = scheduled;
  let retryAfter: RetryAfterEffect = 'none';
  if (askedSeconds !== null && askedSeconds <= scheduled) {
    retryAfter = 'within_schedule';
  } else if (askedSeconds !== null && askedSeconds > largest) {
    wait = tier = Math.max(largest, scheduled);
    retryAfter = 'capped';
  } else if (askedSeconds !== null) {
    wait = askedSeconds;
    tier = tiers.find((t) => t >= askedSeconds) ?? largest;
    retryAfter = 'lengthened';
  }
  return { tierSeconds: tier, delayMs: jitteredMs(wait, jitterFraction, random), retryAfter };
}

/** `seconds` spread upwards by up to `fraction` (clamped to 0..MAX_JITTER_FRACTION): never shorter than asked. */
export function jitteredMs(seconds: number, fraction: number, random: number): number {
  const spread = Math.min(Math.max(fraction, 0), MAX_JITTER_FRACTION) * Math.min(Math.max(random, 0), 1);
  return Math.round(seconds * 1000 * (1 + spread));
}

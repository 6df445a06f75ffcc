// Waits between attempts follow 10^n seconds (SPEC §4); the schedule is data so tests and operators can shrink it.
export const DEFAULT_RETRY_SCHEDULE_SECONDS: readonly number[] = [10, 100, 1000, 10000];
export const MAX_RETRY_DELAY_SECONDS = 100000;

const ENV_NAME = 'RETRY_SCHEDULE_SECONDS';
// Strict decimal only: Number() would also accept '0x10', '1e3' and ' ', which hide typos in the setting.
const DECIMAL = /^\d+(\.\d+)?$/;

export function parseRetrySchedule(raw: string | undefined): number[] {
  if (raw === undefined || raw.trim() === '') {
    return [...DEFAULT_RETRY_SCHEDULE_SECONDS];
  }
  return raw.split(',').map((part) => {
    const item = part.trim();
    const seconds = DECIMAL.test(item) ? Number(item) : NaN;
    if (!(seconds > 0)) {
      throw new Error(`${ENV_NAME}: "${item}" is not a positive number of seconds (expected e.g. "10,100,1000,10000")`);
    }
    return Math.min(seconds, MAX_RETRY_DELAY_SECONDS);
  });
}

export function maxAttempts(schedule: readonly number[]): number {
  return schedule.length + 1;
}

export function retryDelayAfterAttempt(schedule: readonly number[], attemptNumber: number): number | null {
  if (!Number.isInteger(attemptNumber) || attemptNumber < 1) {
    throw new RangeError(`attempt numbers start at 1, got ${attemptNumber}`);
  }
  if (attemptNumber >= maxAttempts(schedule)) {
    return null;
  }
  // Capped here too because a schedule may be built without parseRetrySchedule.
  return Math.min(schedule[attemptNumber - 1], MAX_RETRY_DELAY_SECONDS);
}

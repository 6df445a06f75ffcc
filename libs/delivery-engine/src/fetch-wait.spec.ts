import { ACTIVE_FETCH_WAIT_MS, fetchWaitMs, QUIET_AFTER_MS, QUIET_FETCH_WAIT_MS } from './fetch-wait';
import { DEFAULT_HOLD_AHEAD_MS } from './engine-types';

describe('fetchWaitMs', () => {
  const now = 1_000_000;
  it.each([
    ['work in hand, just active', now - 10, true, ACTIVE_FETCH_WAIT_MS],
    ['work in hand, quiet for long (a slow endpoint holds the buffer, its partitions paused)', now - 60_000, true, ACTIVE_FETCH_WAIT_MS],
    ['nothing in hand, a batch a moment ago', now - 10, false, ACTIVE_FETCH_WAIT_MS],
    ['nothing in hand, active just under the quiet period ago', now - QUIET_AFTER_MS + 1, false, ACTIVE_FETCH_WAIT_MS],
    ['nothing in hand, quiet for the quiet period', now - QUIET_AFTER_MS, false, QUIET_FETCH_WAIT_MS],
    ['nothing in hand, never active', 0, false, QUIET_FETCH_WAIT_MS],
  ])('%s: %s ms', (_what, lastActivityAt, workInHand, expected) => {
    expect(fetchWaitMs({ now, lastActivityAt, workInHand })).toBe(expected);
  });

  it('keeps the quiet wait below half the hold-ahead, so a tier head resumed early still comes in on time', () => {
    expect(QUIET_FETCH_WAIT_MS).toBeLessThan(DEFAULT_HOLD_AHEAD_MS / 2);
    expect(QUIET_FETCH_WAIT_MS).toBeGreaterThan(ACTIVE_FETCH_WAIT_MS);
  });
});

import { DEFAULT_HOLD_AHEAD_MS } from './engine-types';

/** The longest a delivery consumer's fetch waits at the broker while the instance has work. */
export const ACTIVE_FETCH_WAIT_MS = 50;

/**
 * The longest it waits once the instance is quiet. Below half the hold-ahead: a retry tier's given-back head is
 * resumed that long before it is due, and must still be fetched after the fetch in flight ends.
 */
export const QUIET_FETCH_WAIT_MS = Math.round(0.4 * DEFAULT_HOLD_AHEAD_MS);

/** How long after the last batch or pause, resume or seek the instance still counts as having work. */
export const QUIET_AFTER_MS = 1_000;

export interface FetchActivity {
  now: number;
  /** When the consumer last took a batch with records, or paused, resumed or sought a partition. */
  lastActivityAt: number;
  /** Whether the engine has messages buffered, held until due or being called. */
  workInHand: boolean;
}

/**
 * How long the next fetch may wait at the broker for records (kafkajs asks this before every fetch).
 *
 * The broker answers as soon as records arrive, so a long wait costs no latency while they flow. What a wait
 * does hold up is a partition resumed or sought during it: that one is fetched only once the fetch in flight
 * ends. With work in hand that happens all the time (a full buffer paused and resumed, a tier's head given
 * back), so the wait stays short. A quiet instance only resumes retry-tier heads, early enough for the longer
 * wait, and fetches a few times a second instead of twenty.
 */
export function fetchWaitMs({ now, lastActivityAt, workInHand }: FetchActivity): number {
  if (workInHand || now - lastActivityAt < QUIET_AFTER_MS) return ACTIVE_FETCH_WAIT_MS;
  return QUIET_FETCH_WAIT_MS;
}

import { RATE_WINDOW_MS } from './engine-types';

/**
 * The cell rate's interval: 5 % longer than 1/rate, so requests delayed on their way (a busy event
 * loop, a new connection) and arriving close behind the next ones still fit the receiver's second.
 * The window count (at most `rate` starts in any RATE_WINDOW_MS) is exact.
 */
export function paceInterval(rate: number): number {
  return (RATE_WINDOW_MS / rate) * 1.05;
}

/** A rate-limited endpoint's recent calls. */
interface Pace {
  /** Start times within the last RATE_WINDOW_MS, oldest first. */
  starts: number[];
  /** The cell rate's next due time: grows by 1/ratePerSecond s with every start. */
  due: number;
}

/**
 * The rate-limited endpoints' recent calls, kept apart from the lanes (an idle lane is dropped, its
 * pace must not be), and when each may call again.
 */
export class RatePacer {
  private readonly paces = new Map<string, Pace>();
  /**
   * No call to a rate-limited endpoint before this: after a start or a rebalance, another instance
   * may have called the endpoint within the last window, which this one never saw.
   */
  private quietUntil: number;

  constructor(now: number) {
    this.quietUntil = now + RATE_WINDOW_MS;
  }

  /** A start or a rebalance: a window of quiet for every rate-limited endpoint. */
  quiet(now: number): void {
    this.quietUntil = now + RATE_WINDOW_MS;
  }

  /**
   * When the lane may start its next call under its rate limit: at most ratePerSecond starts in any
   * RATE_WINDOW_MS, counted from this instance's own starts (the only ones to this endpoint while it
   * owns the endpoint's partitions), none in the first window after a start or a rebalance, and
   * spread out over the window: one start per 1/ratePerSecond s (a cell rate, GCRA), in bursts of
   * at most 1 % of the limit. Calls started in a burst at the edge of each window would reach the
   * receiver bunched, and a few ms of jitter in their way would put two bursts in one of its seconds.
   */
  rateFreeAt(key: string, rate: number | null | undefined, now: number): number {
    if (!rate) return 0;
    const pace = this.paceOf(key, now);
    if (!pace) return this.quietUntil;
    const windowFree = pace.starts.length < rate ? 0 : pace.starts[pace.starts.length - rate] + RATE_WINDOW_MS;
    const interval = paceInterval(rate);
    const burst = Math.max(1, Math.floor(rate / 100));
    // Whole milliseconds: the clock's own unit, so `free - start >= window` holds exactly as computed.
    return Math.ceil(Math.max(windowFree, pace.due - (burst - 1) * interval, this.quietUntil));
  }

  /**
   * The endpoint's pace with the starts of the last window only; none when it started nothing in
   * the last window (its cell due time is then past too: it is at most one interval after the last start).
   */
  private paceOf(key: string, now: number): Pace | undefined {
    const pace = this.paces.get(key);
    if (!pace) return undefined;
    let old = 0;
    while (old < pace.starts.length && now - pace.starts[old] >= RATE_WINDOW_MS) old++;
    if (old > 0) pace.starts.splice(0, old);
    if (pace.starts.length > 0) return pace;
    this.paces.delete(key);
    return undefined;
  }

  recordStart(key: string, rate: number | null | undefined, now: number): void {
    if (!rate) return;
    let pace = this.paceOf(key, now);
    if (!pace) this.paces.set(key, (pace = { starts: [], due: now }));
    pace.starts.push(now);
    pace.due = Math.max(pace.due, now) + paceInterval(rate);
    // Endpoints gone quiet leave their last pace behind: swept now and then.
    if (this.paces.size > 10_000) for (const k of [...this.paces.keys()]) this.paceOf(k, now);
  }
}

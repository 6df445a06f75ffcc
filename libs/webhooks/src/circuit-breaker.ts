export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses calls before letting one probe through. */
  openMs: number;
}

/** `since`: when the circuit first opened in this run of failures (a failed probe reopens it, keeping `since`). */
type State = { kind: 'closed'; failures: number } | { kind: 'open'; until: number; since: number } | { kind: 'half-open'; since: number };

/** What the breakers look like now, bounded whatever the number of endpoints (for the metrics). */
export interface BreakerSummary {
  /** Endpoints whose circuit is closed but whose last call(s) failed (an endpoint without failures is not tracked). */
  closedFailing: number;
  open: number;
  halfOpen: number;
  /** The `topN` endpoints whose circuit has been open (or half-open) longest, longest first. */
  longestOpen: Array<{ key: string; openForMs: number }>;
}

/**
 * Per-endpoint breaker: after `failureThreshold` failures in a row the endpoint's deliveries skip
 * the HTTP call (and go straight to their next retry tier) for `openMs`; then one probe decides.
 * A dead endpoint therefore costs one timeout per `openMs`, not one per message. Pure: the caller
 * passes the clock.
 */
export class CircuitBreaker {
  private readonly states = new Map<string, State>();

  constructor(private readonly options: CircuitBreakerOptions) {}

  /**
   * Whether a call to `key` may go out now. In half-open state only the first caller gets through,
   * and only a caller that `mayProbe`: a probe of a dead endpoint waits out a whole timeout, so
   * the caller chooses where that wait does no harm (the retry tiers, not the main deliveries).
   */
  allow(key: string, now: number, mayProbe = true): boolean {
    const state = this.states.get(key);
    if (!state || state.kind === 'closed') return true;
    if (mayProbe && state.kind === 'open' && now >= state.until) {
      this.states.set(key, { kind: 'half-open', since: state.since });
      return true;
    }
    return false;
  }

  record(key: string, success: boolean, now: number): void {
    if (success) {
      this.states.delete(key);
      return;
    }
    const state = this.states.get(key);
    // A failed half-open probe (or a failure while open) reopens at once.
    const failures = !state ? 1 : state.kind === 'closed' ? state.failures + 1 : this.options.failureThreshold;
    const since = state && state.kind !== 'closed' ? state.since : now;
    this.states.set(
      key,
      failures >= this.options.failureThreshold ? { kind: 'open', until: now + this.options.openMs, since } : { kind: 'closed', failures },
    );
  }

  summary(now: number, topN: number): BreakerSummary {
    const result: BreakerSummary = { closedFailing: 0, open: 0, halfOpen: 0, longestOpen: [] };
    const opened: Array<{ key: string; openForMs: number }> = [];
    for (const [key, state] of this.states) {
      if (state.kind === 'closed') {
        result.closedFailing++;
        continue;
      }
      if (state.kind === 'open') result.open++;
      else result.halfOpen++;
      opened.push({ key, openForMs: now - state.since });
    }
    result.longestOpen = opened.sort((a, b) => b.openForMs - a.openForMs).slice(0, topN);
    return result;
  }

  isOpen(key: string): boolean {
    return this.states.get(key)?.kind === 'open';
  }
}

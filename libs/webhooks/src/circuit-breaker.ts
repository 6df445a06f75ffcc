export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses calls before letting one probe through. */
  openMs: number;
}

/** `timedOut`: one of the failures since the last success was a timeout (see `allow`). */
type State = { kind: 'closed'; failures: number; timedOut: boolean } | { kind: 'open'; until: number } | { kind: 'half-open' };

/** The call about to be made: whether it may be a probe, and how many calls to the same key are in flight. */
export interface CallContext {
  mayProbe: boolean;
  inFlight: number;
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
   * After a timeout, and until a success, one call at a time: calls to an endpoint that stopped
   * answering all time out together, and each one freeing its slot before the threshold is reached
   * would otherwise start a second wave, every one of them another whole timeout.
   */
  allow(key: string, now: number, call: CallContext = { mayProbe: true, inFlight: 0 }): boolean {
    const state = this.states.get(key);
    if (!state) return true;
    if (state.kind === 'closed') return !(state.timedOut && call.inFlight > 0);
    if (call.mayProbe && state.kind === 'open' && now >= state.until) {
      this.states.set(key, { kind: 'half-open' });
      return true;
    }
    return false;
  }

  record(key: string, success: boolean, now: number, timedOut = false): void {
    if (success) {
      this.states.delete(key);
      return;
    }
    const state = this.states.get(key);
    // A failed half-open probe (or a failure while open) reopens at once.
    const failures = !state ? 1 : state.kind === 'closed' ? state.failures + 1 : this.options.failureThreshold;
    const anyTimeout = timedOut || (state?.kind === 'closed' && state.timedOut);
    this.states.set(
      key,
      failures >= this.options.failureThreshold ? { kind: 'open', until: now + this.options.openMs } : { kind: 'closed', failures, timedOut: anyTimeout },
    );
  }

  isOpen(key: string): boolean {
    return this.states.get(key)?.kind === 'open';
  }
}

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses calls before letting one probe through. */
  openMs: number;
}

type State = { kind: 'closed'; failures: number } | { kind: 'open'; until: number } | { kind: 'half-open' };

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
      this.states.set(key, { kind: 'half-open' });
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
    this.states.set(
      key,
      failures >= this.options.failureThreshold ? { kind: 'open', until: now + this.options.openMs } : { kind: 'closed', failures },
    );
  }

  isOpen(key: string): boolean {
    return this.states.get(key)?.kind === 'open';
  }
}

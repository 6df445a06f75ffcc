import type { DisabledReason } from '@app/contracts';

/** One call made to an endpoint, as far as its health is concerned. */
export interface AttemptSignal {
  organizationId: string;
  endpointId: string;
  startedAt: Date;
  succeeded: boolean;
  /** The receiver answered 410 Gone. */
  gone: boolean;
  /** The delivery carried an operational event (`webhook.*`): its trouble raises no operational event. */
  operational: boolean;
}

/** What one batch of attempts says about one endpoint; written with the attempt log in one statement. */
export interface EndpointHealthUpdate {
  organizationId: string;
  endpointId: string;
  /** The latest success in the batch, or null. */
  lastSuccessAt: Date | null;
  /** The first failure after that success (or in the batch, when none succeeded), or null. */
  firstFailureAt: Date | null;
  gone: boolean;
  /** Whether a disable caused by this batch raises `webhook.endpoint.disabled` (not when only operational deliveries failed). */
  notify: boolean;
}

/** Folds a batch's calls into one update per endpoint, so the database is touched once per endpoint and batch. */
export function summariseHealth(signals: readonly AttemptSignal[]): EndpointHealthUpdate[] {
  const byEndpoint = new Map<string, AttemptSignal[]>();
  for (const s of signals) {
    const list = byEndpoint.get(s.endpointId);
    if (list) list.push(s);
    else byEndpoint.set(s.endpointId, [s]);
  }
  const updates: EndpointHealthUpdate[] = [];
  for (const [endpointId, list] of byEndpoint) {
    let lastSuccess: number | null = null;
    for (const s of list) if (s.succeeded && (lastSuccess === null || s.startedAt.getTime() > lastSuccess)) lastSuccess = s.startedAt.getTime();
    // Failures before the batch's last success are forgiven by it.
    const counting = list.filter((s) => !s.succeeded && (lastSuccess === null || s.startedAt.getTime() > lastSuccess));
    let firstFailure: number | null = null;
    for (const s of counting) if (firstFailure === null || s.startedAt.getTime() < firstFailure) firstFailure = s.startedAt.getTime();
    const gone = list.filter((s) => s.gone);
    updates.push({
      organizationId: list[0].organizationId,
      endpointId,
      lastSuccessAt: lastSuccess === null ? null : new Date(lastSuccess),
      firstFailureAt: firstFailure === null ? null : new Date(firstFailure),
      gone: gone.length > 0,
      // A 410 disables at once; the notice is raised when any call that led here was an ordinary delivery.
      notify: gone.length > 0 ? gone.some((s) => !s.operational) : counting.some((s) => !s.operational),
    });
  }
  return updates;
}

/** An endpoint's health after a batch was written, as the disable decision needs it. */
export interface EndpointHealthState {
  status: 'enabled' | 'disabled';
  /** The first failure since the last success (or since it was enabled); null while it succeeds. */
  failingSince: Date | null;
  /** A call of this batch got 410 Gone. */
  gone: boolean;
  /** A call of this batch failed (a failure is what may disable it: silence never does). */
  failedInBatch: boolean;
}

/**
 * Whether to disable the endpoint now, and why: at once on 410 Gone; for failing when it has had
 * no success for `disableAfterSeconds` and every call since failed (its `failingSince` is that old)
 * and this batch failed again. An endpoint that receives nothing is never judged.
 */
export function disableDecision(state: EndpointHealthState, nowMs: number, disableAfterSeconds: number): DisabledReason | null {
  if (state.status !== 'enabled') return null;
  if (state.gone) return 'gone';
  if (!state.failedInBatch || state.failingSince === null) return null;
  return nowMs - state.failingSince.getTime() >= disableAfterSeconds * 1000 ? 'failing' : null;
}

import { EngineMessage, LaneRules } from './engine-types';
import { PartitionState } from './fetch-control';
import { WindowSlot } from './partition-window';

export interface Item<P> {
  readonly message: EngineMessage<P>;
  readonly partition: PartitionState;
  readonly slot: WindowSlot;
}

export interface CallOut {
  /** On the engine's running clock (LaneEngine.runningNow), not wall time. */
  startedAt: number;
  /** Whether it still counts against maxInFlight: a call out longer than stallMs gives its slot back. */
  holdsSlot: boolean;
}

/**
 * A new or idle endpoint's first calls: its limit grows by one with each call answered within
 * stallMs, up to laneConcurrency, and falls back to one after a slow call. So an endpoint that
 * never answers holds this many calls, not laneConcurrency, before it is found hanging.
 */
const INITIAL_LANE_LIMIT = 2;

export interface Lane<P> {
  readonly key: string;
  readonly queue: Item<P>[];
  readonly inFlight: Map<Item<P>, CallOut>;
  /** Calls it may have out now (see INITIAL_LANE_LIMIT). */
  limit: number;
  /** After a call could not be made at all: no call before this time. */
  blockedUntil: number;
  /**
   * All its calls were slow at the last look; confirmed `hanging` at the next. Two looks, because
   * after the event loop itself was blocked every call looks slow until the answers waiting in the
   * sockets are read, which happens after the timers of that loop turn.
   */
  suspect: boolean;
  /** Confirmed: its queued and arriving messages are deferred until a call is answered quickly or none is out. */
  hanging: boolean;
  unavailableFailures: number;
  /** Null until the first answer of `EngineIo.rules`: nothing is called or parked before. */
  rules: LaneRules | null;
  rulesAt: number;
  resolving: boolean;
  /** When a wake-up for the rate limit is set: the time it fires. */
  rateWakeAt: number | null;
}

/** A new lane for an endpoint, with the rules last read for it if any. */
export function newLane<P>(key: string, laneConcurrency: number, known: { rules: LaneRules; at: number } | undefined): Lane<P> {
  return {
    key,
    queue: [],
    inFlight: new Map(),
    limit: Math.min(INITIAL_LANE_LIMIT, laneConcurrency),
    blockedUntil: 0,
    unavailableFailures: 0,
    suspect: false,
    hanging: false,
    rules: known?.rules ?? null,
    rulesAt: known?.at ?? 0,
    resolving: false,
    rateWakeAt: null,
  };
}

/** Every call the endpoint may have out has been out longer than stallMs: its next calls would only wait too. */
export function allCallsSlow<P>(lane: Lane<P>, now: number, stallMs: number): boolean {
  if (lane.inFlight.size === 0 || lane.inFlight.size < lane.limit) return false;
  for (const call of lane.inFlight.values()) if (now - call.startedAt < stallMs) return false;
  return true;
}

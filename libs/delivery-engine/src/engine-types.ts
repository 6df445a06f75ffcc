// The engine's contract with the outside world: what it takes, what it asks of its caller, what it reports.
import { OffsetRange } from './settled-offsets';

/** A fetched delivery message as the engine sees it; `payload` is the caller's (decoded or not). */
export interface EngineMessage<P> {
  topic: string;
  partition: number;
  offset: string;
  /** The lane: messages with the same key (the endpoint id) share one. */
  laneKey: string;
  /** Counted against the buffer bound. */
  bytes: number;
  /** Epoch ms before which it must not be attempted (retry tiers); 0 for now. */
  dueAt: number;
  payload: P;
}

/** Why a message was deferred to later without a call (no attempt used). */
export type DeferReason = 'breaker_open' | 'endpoint_hanging' | 'rate_limited';

/** How an endpoint wants its deliveries (SPEC section 10), looked up once per lane. */
export interface LaneRules {
  /** At most this many calls start in any 1-second window; null: no limit. */
  ratePerSecond: number | null;
  /** One call at a time in the fan-out's order: the lane never calls, it parks every message (see `EngineIo.park`). */
  strict: boolean;
}

export const NO_RULES: LaneRules = { ratePerSecond: null, strict: false };

/** The window of `ratePerSecond`. */
export const RATE_WINDOW_MS = 1_000;

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

/** A partition's commit point, and the runs above it whose outcomes are durable too (for its next owner: decision 0025). */
export interface EngineCommit extends TopicPartitionOffset {
  settledAbove: readonly OffsetRange[];
}

/**
 * Everything the engine does to the outside world. The delivery service gives it Kafka, the
 * HTTP sender and PostgreSQL; the simulation test gives it a simulated broker, clock and store.
 */
export interface EngineIo<P, R> {
  now(): number;
  /** Runs `fn` after `ms`; returns the cancel. */
  setTimer(ms: number, fn: () => void): () => void;
  /** Whether a call to this message's endpoint may go out now (circuit breaker). */
  admits(message: EngineMessage<P>, now: number): boolean;
  /**
   * Attempts the delivery and resolves with its outcome (success, failure, dead letter...). Rejects
   * only when no attempt could be made at all (e.g. the endpoint is unknown and the database is
   * away): the message is then tried again later, in its lane.
   */
  call(message: EngineMessage<P>): Promise<R>;
  /** The outcome of putting the message off for later without a call. */
  defer(message: EngineMessage<P>, reason: DeferReason): R;
  /**
   * The lane's rules (rate limit, ordering), asked when a lane starts and again every `rulesTtlMs`.
   * Rejects when they cannot be known now (the lane then waits, as after a call that could not be made).
   */
  rules(message: EngineMessage<P>): Promise<LaneRules>;
  /**
   * The outcome of handing a strict endpoint's message to its durable queue (drained one at a time,
   * in order, elsewhere). Asked in the order the lane received its messages, and persisted in that order.
   */
  park(message: EngineMessage<P>): R;
  /** Makes outcomes durable (retry or dead-letter messages acknowledged, attempts logged); throws when it could not. */
  persist(outcomes: R[]): Promise<void>;
  commit(offsets: EngineCommit[]): Promise<void>;
  pause(topic: string, partition: number): void;
  resume(topic: string, partition: number): void;
  /** Moves the fetch position, so the messages from `offset` on are fetched (again). */
  seek(topic: string, partition: number, offset: string): void;
  /** Something worth a log line or a metric. */
  notify?(event: EngineEvent): void;
}

export type EngineEvent =
  | { kind: 'deferred'; laneKey: string; reason: DeferReason; count: number }
  | { kind: 'parked'; laneKey: string; count: number }
  /** A lane with messages waiting had to wait for its rate limit (once per wait, not per message). */
  | { kind: 'rate_limited'; laneKey: string; waitMs: number }
  | { kind: 'call_unavailable'; laneKey: string; error: unknown; retryInMs: number }
  | { kind: 'persist_failed'; error: unknown; failures: number; outcomes: number }
  | { kind: 'commit_failed'; error: unknown }
  /** Messages taken as settled because the partition's previous owner's last commit named them (decision 0025). */
  | { kind: 'settled_by_previous_owner'; topic: string; partition: number; count: number };

export interface EngineOptions {
  /** Calls in flight to one endpoint (DELIVERY_MAX_IN_FLIGHT_PER_ENDPOINT). */
  laneConcurrency: number;
  /** Calls in flight from the whole engine (DELIVERY_MAX_IN_FLIGHT). */
  maxInFlight: number;
  /**
   * An endpoint all of whose call slots have been out longer than this is hanging: its queued
   * messages are deferred instead of holding the partition's commit point (DELIVERY_LANE_STALL_MS).
   */
  stallMs: number;
  /** Bytes of fetched, unsettled messages above which fetching pauses (DELIVERY_MAX_BUFFERED_BYTES). */
  maxBufferedBytes: number;
  /** Outcomes written in one round at most (one produce sequence and one database transaction). */
  maxPersistBatch?: number;
  /** Waits between attempts to persist outcomes or commit after a failure: first, doubling to max. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /**
   * Offset commits start at most this often (DELIVERY_COMMIT_INTERVAL_MS; 0: as soon as an outcome is
   * durable). At low load every delivery was its own commit request; a crash re-delivers at most this
   * long's worth of already durable outcomes, which at-least-once allows.
   */
  commitIntervalMs?: number;
  /**
   * Rounds of outcomes start at most this often (DELIVERY_PERSIST_INTERVAL_MS; 0: as soon as one is in).
   * At low load every delivery was its own database transaction; a round waiting here holds no call slot.
   */
  persistIntervalMs?: number;
  /**
   * A rate-limited lane queues at most this many seconds of calls (ratePerSecond x this); the
   * messages beyond are deferred to a retry tier without a call, so a burst to a slow-paced endpoint
   * holds neither the partition's commit point nor the buffer for long (DELIVERY_RATE_LIMIT_QUEUE_SECONDS).
   */
  rateQueueSeconds?: number;
  /** A lane asks its rules again after this long (a changed limit or ordering reaches a busy lane). */
  rulesTtlMs?: number;
  /**
   * A retry tier's fetched message due within this many ms is kept in memory and queued when due; one due
   * later is given back with the rest of its batch, the partition paused until it is due and fetched again
   * (DEFAULT_HOLD_AHEAD_MS by default; 0 gives every not-due message back).
   */
  holdAheadMs?: number;
}

export const DEFAULT_HOLD_AHEAD_MS = 1_000;

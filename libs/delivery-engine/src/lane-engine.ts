import { PartitionWindow, WindowSlot } from './partition-window';

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
  commit(offsets: TopicPartitionOffset[]): Promise<void>;
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
  | { kind: 'commit_failed'; error: unknown };

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
   * A rate-limited lane queues at most this many seconds of calls (ratePerSecond x this); the
   * messages beyond are deferred to a retry tier without a call, so a burst to a slow-paced endpoint
   * holds neither the partition's commit point nor the buffer for long (DELIVERY_RATE_LIMIT_QUEUE_SECONDS).
   */
  rateQueueSeconds?: number;
  /** A lane asks its rules again after this long (a changed limit or ordering reaches a busy lane). */
  rulesTtlMs?: number;
}

interface PartitionState {
  readonly key: string;
  readonly topic: string;
  readonly partition: number;
  readonly window: PartitionWindow;
  /** Set when a rebalance took the partition away: its messages' outcomes no longer commit anything. */
  dropped: boolean;
  /** Reasons fetching is paused: the buffer bound, a retry tier's head not yet due. */
  readonly pausedFor: Set<'buffer' | 'not-due'>;
  cancelDueTimer: (() => void) | null;
}

interface Item<P> {
  readonly message: EngineMessage<P>;
  readonly partition: PartitionState;
  readonly slot: WindowSlot;
}

interface CallOut {
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

interface Lane<P> {
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

/**
 * The cell rate's interval: 5 % longer than 1/rate, so requests delayed on their way (a busy event
 * loop, a new connection) and arriving close behind the next ones still fit the receiver's second.
 * The window count (at most `rate` starts in any RATE_WINDOW_MS) is exact.
 */
function paceInterval(rate: number): number {
  return (RATE_WINDOW_MS / rate) * 1.05;
}

/** A rate-limited endpoint's recent calls. */
interface Pace {
  /** Start times within the last RATE_WINDOW_MS, oldest first. */
  starts: number[];
  /** The cell rate's next due time: grows by 1/ratePerSecond s with every start. */
  due: number;
}

interface Settling<P, R> {
  item: Item<P>;
  outcome: R;
}

/**
 * The delivery engine: every fetched message joins its endpoint's lane; lanes run side by side
 * under a per-endpoint and an engine-wide limit of calls in flight; a message is settled once its
 * outcome is durable, and each partition commits only up to its lowest unsettled offset. An
 * endpoint whose breaker is open or whose calls all hang gets its queued messages deferred to a
 * retry tier (durably, without using an attempt), so nothing else waits on it.
 *
 * Pure: no Kafka, HTTP, database or timers of its own; the caller's `EngineIo` does all of that, so
 * the simulation test can drive it with a seeded schedule.
 */
export class LaneEngine<P, R> {
  private readonly partitions = new Map<string, PartitionState>();
  private readonly lanes = new Map<string, Lane<P>>();
  /** Lanes that may start a call now; Map order gives round-robin over the engine-wide slots. */
  private readonly ready = new Set<Lane<P>>();
  /** Calls holding one of the maxInFlight slots. */
  private slotsUsed = 0;
  /** Every call out, slow ones included. */
  private callsOut = 0;
  private bufferedBytes = 0;
  private readonly bufferPaused = new Set<PartitionState>();
  private stopping = false;
  /** Per rate-limited endpoint, kept apart from the lanes (an idle lane is dropped, its pace must not be). */
  private readonly paces = new Map<string, Pace>();
  /**
   * No call to a rate-limited endpoint before this: after a start or a rebalance, another instance
   * may have called the endpoint within the last window, which this one never saw.
   */
  private rateQuietUntil: number;
  /** The rules last read per endpoint, so a lane started again within rulesTtlMs needs no lookup. */
  private readonly rulesCache = new Map<string, { rules: LaneRules; at: number }>();

  private readonly toPersist: Array<Settling<P, R>> = [];
  private persisting = false;
  private persistFailures = 0;

  private readonly toCommit = new Map<string, { state: PartitionState; offset: bigint }>();
  private committing = false;
  private commitFailures = 0;
  private cancelRetryTimer: (() => void) | null = null;
  private cancelStallTimer: (() => void) | null = null;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    private readonly options: EngineOptions,
    private readonly io: EngineIo<P, R>,
  ) {
    this.rateQuietUntil = io.now() + RATE_WINDOW_MS;
  }

  /**
   * Takes a fetched batch of one partition (offsets growing). Returns the offset up to which the
   * fetch position may move on (the last message taken or already in hand), or null. Messages
   * already taken (a batch fetched again) are skipped; a retry tier's first message not yet due
   * and everything after it are given back, the partition paused until it is due.
   */
  take(topic: string, partition: number, messages: readonly EngineMessage<P>[]): string | null {
    if (this.stopping || messages.length === 0) return null;
    const state = this.partitionState(topic, partition);
    if (state.pausedFor.has('not-due')) return null;
    // Over the bound (e.g. a rebalance let every partition start again while old calls still hold
    // their bytes): nothing more is taken, so the bound is exceeded by one batch at most.
    if (this.bufferedBytes > this.options.maxBufferedBytes) {
      this.pauseForBuffer(state);
      return null;
    }
    const expected = state.window.nextExpected();
    const now = this.io.now();
    // Messages already taken count as passed too: a batch of nothing new must still move the fetch on.
    let lastTaken: string | null = null;
    let held: EngineMessage<P> | null = null;
    for (const message of messages) {
      const offset = BigInt(message.offset);
      if (expected !== null && offset < expected) {
        lastTaken = message.offset;
        continue;
      }
      if (message.dueAt > now) {
        held = message;
        break;
      }
      const item: Item<P> = { message, partition: state, slot: state.window.add(offset) };
      this.bufferedBytes += message.bytes;
      this.enqueue(item);
      lastTaken = message.offset;
    }
    if (held) this.holdUntilDue(state, held);
    if (this.bufferedBytes > this.options.maxBufferedBytes) this.pauseForBuffer(state);
    this.pump();
    return lastTaken;
  }

  /**
   * The group took these partitions away or restarts them from their committed offsets (a
   * rebalance): what is queued is dropped, calls out finish but commit nothing.
   */
  reset(owns: (topic: string) => boolean = () => true): void {
    this.rateQuietUntil = this.io.now() + RATE_WINDOW_MS;
    for (const state of [...this.partitions.values()]) {
      if (!owns(state.topic)) continue;
      state.dropped = true;
      state.cancelDueTimer?.();
      state.cancelDueTimer = null;
      this.partitions.delete(state.key);
      this.toCommit.delete(state.key);
      this.bufferPaused.delete(state);
      for (const reason of [...state.pausedFor]) this.release(state, reason);
    }
    for (const lane of this.lanes.values()) {
      const kept = lane.queue.filter((item) => !item.partition.dropped);
      for (const item of lane.queue) if (item.partition.dropped) this.freeBytes(item);
      lane.queue.splice(0, lane.queue.length, ...kept);
      this.reconsider(lane);
    }
    this.releaseBufferIfLow();
  }

  /**
   * Takes no more messages and drops the queued ones (not committed, so the next owner takes them);
   * resolves once the calls out have finished and their outcomes are durable and committed, or
   * when `deadlineMs` has passed.
   */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    for (const state of this.partitions.values()) state.cancelDueTimer?.();
    for (const lane of this.lanes.values()) {
      for (const item of lane.queue) this.freeBytes(item);
      lane.queue.length = 0;
      this.ready.delete(lane);
    }
    if (this.isIdle()) return;
    await new Promise<void>((resolve) => {
      const cancel = this.io.setTimer(deadlineMs, resolve);
      this.idleWaiters.push(() => {
        cancel();
        resolve();
      });
    });
  }

  /** For metrics and tests. */
  stats(): { bufferedBytes: number; inFlight: number; slotsUsed: number; lanes: number; queued: number; rateWaiting: number; partitions: number; unpersisted: number } {
    let queued = 0;
    let rateWaiting = 0;
    const now = this.io.now();
    for (const lane of this.lanes.values()) {
      queued += lane.queue.length;
      if (lane.queue.length > 0 && this.rateFreeAt(lane, now) > now) rateWaiting += lane.queue.length;
    }
    return {
      bufferedBytes: this.bufferedBytes,
      inFlight: this.callsOut,
      slotsUsed: this.slotsUsed,
      lanes: this.lanes.size,
      queued,
      rateWaiting,
      partitions: this.partitions.size,
      unpersisted: this.toPersist.length,
    };
  }

  // ---- lanes --------------------------------------------------------------------------------

  private enqueue(item: Item<P>): void {
    let lane = this.lanes.get(item.message.laneKey);
    if (!lane) {
      lane = {
        key: item.message.laneKey,
        queue: [],
        inFlight: new Map(),
        limit: Math.min(INITIAL_LANE_LIMIT, this.options.laneConcurrency),
        blockedUntil: 0,
        unavailableFailures: 0,
        suspect: false,
        hanging: false,
        rules: this.rulesCache.get(item.message.laneKey)?.rules ?? null,
        rulesAt: this.rulesCache.get(item.message.laneKey)?.at ?? 0,
        resolving: false,
        rateWakeAt: null,
      };
      this.lanes.set(lane.key, lane);
    }
    if (!lane.resolving && (lane.rules === null || this.io.now() - lane.rulesAt >= (this.options.rulesTtlMs ?? 5_000))) this.resolveRules(lane, item.message);
    if (lane.rules?.strict) {
      // (Its queue is empty: parked when the rules said strict.)
      this.park(lane, [...lane.queue.splice(0), item]);
      return;
    }
    const rate = lane.rules?.ratePerSecond;
    if (rate && lane.queue.length >= Math.max(1, rate * (this.options.rateQueueSeconds ?? 10))) {
      // Enough waiting for the next seconds: this one waits in a retry tier instead of in memory.
      this.settle(item, this.io.defer(item.message, 'rate_limited'));
      this.io.notify?.({ kind: 'deferred', laneKey: lane.key, reason: 'rate_limited', count: 1 });
      return;
    }
    lane.queue.push(item);
    this.reconsider(lane);
  }

  /** Asks the lane's rules; until the first answer its messages only queue. */
  private resolveRules(lane: Lane<P>, message: EngineMessage<P>): void {
    lane.resolving = true;
    this.io.rules(message).then(
      (rules) => {
        lane.resolving = false;
        lane.rules = rules;
        lane.rulesAt = this.io.now();
        this.rulesCache.set(lane.key, { rules, at: lane.rulesAt });
        // Endpoints come and go: the stale entries are swept now and then.
        if (this.rulesCache.size > 10_000) for (const [key, known] of this.rulesCache) if (lane.rulesAt - known.at >= (this.options.rulesTtlMs ?? 5_000)) this.rulesCache.delete(key);
        if (this.lanes.get(lane.key) !== lane || this.stopping) return;
        // Messages queued before the answer go to the durable queue in the order they came.
        if (rules.strict && lane.queue.length > 0) this.park(lane, lane.queue.splice(0));
        this.reconsider(lane);
        this.pump();
      },
      (error: unknown) => {
        lane.resolving = false;
        if (this.lanes.get(lane.key) !== lane || this.stopping) return;
        // Rules known before stay in force (asked again after another rulesTtlMs); a lane that never had any waits and asks again.
        if (lane.rules !== null) {
          lane.rulesAt = this.io.now();
          return;
        }
        lane.unavailableFailures++;
        const retryInMs = this.backoff(lane.unavailableFailures);
        this.io.notify?.({ kind: 'call_unavailable', laneKey: lane.key, error, retryInMs });
        this.io.setTimer(retryInMs, () => {
          if (this.lanes.get(lane.key) !== lane || lane.resolving || lane.rules !== null || this.stopping) return;
          if (lane.queue.length > 0) this.resolveRules(lane, lane.queue[0].message);
        });
      },
    );
  }

  private park(lane: Lane<P>, items: Item<P>[]): void {
    this.ready.delete(lane);
    for (const item of items) this.settle(item, this.io.park(item.message));
    this.io.notify?.({ kind: 'parked', laneKey: lane.key, count: items.length });
    if (lane.queue.length === 0 && lane.inFlight.size === 0) this.forget(lane);
  }

  /**
   * When the lane may start its next call under its rate limit: at most ratePerSecond starts in any
   * RATE_WINDOW_MS, counted from this instance's own starts (the only ones to this endpoint while it
   * owns the endpoint's partitions), none in the first window after a start or a rebalance, and
   * spread out over the window: one start per 1/ratePerSecond s (a cell rate, GCRA), in bursts of
   * at most 1 % of the limit. Calls started in a burst at the edge of each window would reach the
   * receiver bunched, and a few ms of jitter in their way would put two bursts in one of its seconds.
   */
  private rateFreeAt(lane: Lane<P>, now: number): number {
    const rate = lane.rules?.ratePerSecond;
    if (!rate) return 0;
    const pace = this.paceOf(lane.key, now);
    if (!pace) return this.rateQuietUntil;
    const windowFree = pace.starts.length < rate ? 0 : pace.starts[pace.starts.length - rate] + RATE_WINDOW_MS;
    const interval = paceInterval(rate);
    const burst = Math.max(1, Math.floor(rate / 100));
    // Whole milliseconds: the clock's own unit, so `free - start >= window` holds exactly as computed.
    return Math.ceil(Math.max(windowFree, pace.due - (burst - 1) * interval, this.rateQuietUntil));
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

  private recordStart(lane: Lane<P>, now: number): void {
    const rate = lane.rules?.ratePerSecond;
    if (!rate) return;
    let pace = this.paceOf(lane.key, now);
    if (!pace) this.paces.set(lane.key, (pace = { starts: [], due: now }));
    pace.starts.push(now);
    pace.due = Math.max(pace.due, now) + paceInterval(rate);
    // Endpoints gone quiet leave their last pace behind: swept now and then.
    if (this.paces.size > 10_000) for (const key of [...this.paces.keys()]) this.paceOf(key, now);
  }

  /** Sets one wake-up for when the rate limit lets the lane call again. */
  private wakeForRate(lane: Lane<P>, at: number, now: number): void {
    if (lane.rateWakeAt !== null && lane.rateWakeAt <= at) return;
    lane.rateWakeAt = at;
    this.io.notify?.({ kind: 'rate_limited', laneKey: lane.key, waitMs: at - now });
    this.io.setTimer(at - now, () => {
      if (lane.rateWakeAt !== at) return;
      lane.rateWakeAt = null;
      this.reconsider(lane);
      this.pump();
    });
  }

  /** Puts the lane in or out of the ready set, and defers its queue when it cannot take calls. */
  private reconsider(lane: Lane<P>): void {
    if (lane.queue.length === 0) {
      this.ready.delete(lane);
      if (lane.inFlight.size === 0) this.forget(lane);
      return;
    }
    if (lane.hanging) {
      this.deferQueue(lane, 'endpoint_hanging');
      return;
    }
    const now = this.io.now();
    if (lane.rules === null || lane.rules.strict) {
      // Waiting for its rules (a strict lane's queue is parked as soon as they come).
      this.ready.delete(lane);
      return;
    }
    const rateFreeAt = this.rateFreeAt(lane, now);
    if (lane.inFlight.size < lane.limit && lane.blockedUntil <= now && rateFreeAt <= now) {
      this.ready.add(lane);
      return;
    }
    this.ready.delete(lane);
    if (rateFreeAt > now) this.wakeForRate(lane, rateFreeAt, now);
  }

  /** Every call the endpoint may have out has been out longer than stallMs: its next calls would only wait too. */
  private allCallsSlow(lane: Lane<P>): boolean {
    if (lane.inFlight.size === 0 || lane.inFlight.size < lane.limit) return false;
    const now = this.io.now();
    for (const call of lane.inFlight.values()) if (now - call.startedAt < this.options.stallMs) return false;
    return true;
  }

  /** Starts calls while there are free slots, one lane at a time in turn. */
  private pump(): void {
    while (this.slotsUsed < this.options.maxInFlight && this.ready.size > 0 && !this.stopping) {
      const lane: Lane<P> = this.ready.values().next().value!;
      this.ready.delete(lane);
      const item = lane.queue.shift()!;
      if (!this.io.admits(item.message, this.io.now())) {
        lane.queue.unshift(item);
        this.deferQueue(lane, 'breaker_open');
        continue;
      }
      this.startCall(lane, item);
      // To the back of the round.
      this.reconsider(lane);
    }
  }

  private startCall(lane: Lane<P>, item: Item<P>): void {
    this.recordStart(lane, this.io.now());
    this.slotsUsed++;
    this.callsOut++;
    lane.inFlight.set(item, { startedAt: this.io.now(), holdsSlot: true });
    this.watchForStalls();
    this.io.call(item.message).then(
      (outcome) => {
        this.endCall(lane, item);
        lane.unavailableFailures = 0;
        this.settle(item, outcome);
      },
      (error: unknown) => {
        this.endCall(lane, item);
        // Nothing was attempted: the message goes back to the front of its lane, which waits a while.
        if (!item.partition.dropped && !this.stopping) {
          lane.unavailableFailures++;
          const retryInMs = this.backoff(lane.unavailableFailures);
          lane.blockedUntil = this.io.now() + retryInMs;
          lane.queue.unshift(item);
          this.io.notify?.({ kind: 'call_unavailable', laneKey: lane.key, error, retryInMs });
          this.io.setTimer(retryInMs, () => {
            this.reconsider(lane);
            this.pump();
          });
        } else {
          this.freeBytes(item);
        }
        this.reconsider(lane);
        this.pump();
        this.checkIdle();
      },
    );
  }

  private endCall(lane: Lane<P>, item: Item<P>): void {
    const call = lane.inFlight.get(item)!;
    lane.inFlight.delete(item);
    this.callsOut--;
    if (call.holdsSlot) this.slotsUsed--;
    const quick = this.io.now() - call.startedAt < this.options.stallMs;
    lane.limit = quick ? Math.min(lane.limit + 1, this.options.laneConcurrency) : 1;
    if (quick || lane.inFlight.size === 0) lane.hanging = lane.suspect = false;
  }

  private deferQueue(lane: Lane<P>, reason: DeferReason): void {
    const items = lane.queue.splice(0);
    this.ready.delete(lane);
    for (const item of items) this.settle(item, this.io.defer(item.message, reason));
    this.io.notify?.({ kind: 'deferred', laneKey: lane.key, reason, count: items.length });
    if (lane.inFlight.size === 0) this.forget(lane);
  }

  /** An idle lane is dropped (endpoints come and go); a timer may still hold the old object. */
  private forget(lane: Lane<P>): void {
    if (this.lanes.get(lane.key) === lane) this.lanes.delete(lane.key);
  }

  /**
   * While calls are out, look now and then for slow ones: a call out longer than stallMs gives its
   * instance slot back (so endpoints that never answer cannot starve the others of slots) and drops
   * its endpoint's limit to one; an endpoint all of whose calls are slow is hanging, and its queue
   * is deferred.
   */
  private watchForStalls(): void {
    if (this.cancelStallTimer) return;
    this.cancelStallTimer = this.io.setTimer(Math.max(10, this.options.stallMs / 2), () => {
      this.cancelStallTimer = null;
      const now = this.io.now();
      for (const lane of [...this.lanes.values()]) {
        for (const call of lane.inFlight.values()) {
          if (!call.holdsSlot || now - call.startedAt < this.options.stallMs) continue;
          call.holdsSlot = false;
          this.slotsUsed--;
          lane.limit = 1;
        }
        if (this.allCallsSlow(lane)) {
          lane.hanging = lane.suspect;
          lane.suspect = true;
        } else {
          lane.suspect = false;
        }
        this.reconsider(lane);
      }
      if (this.callsOut > 0) this.watchForStalls();
      this.pump();
    });
  }

  // ---- settling and committing -----------------------------------------------------------------

  private settle(item: Item<P>, outcome: R): void {
    const lane = this.lanes.get(item.message.laneKey);
    if (lane) this.reconsider(lane);
    if (item.partition.dropped) {
      // The partition is someone else's now (or fetched again from its commit): nothing to settle.
      this.freeBytes(item);
      this.pump();
      this.checkIdle();
      return;
    }

    this.toPersist.push({ item, outcome });
    this.persistSoon();
    this.pump();
  }

  private persistSoon(): void {
    if (this.persisting || this.cancelRetryTimer || this.toPersist.length === 0) return;
    this.persisting = true;
    // Outcomes that arrive while a round is written join the next round (one write for many).
    const round = this.toPersist.splice(0, this.options.maxPersistBatch ?? 2_000);
    this.io.persist(round.map((s) => s.outcome)).then(
      () => {
        this.persisting = false;
        this.persistFailures = 0;
        for (const { item } of round) {
          item.slot.settled = true;
          this.freeBytes(item);
          if (!item.partition.dropped) this.markCommittable(item.partition);
        }
        this.commitSoon();
        this.persistSoon();
        this.pump();
        this.checkIdle();
      },
      (error: unknown) => {
        this.persisting = false;
        this.persistFailures++;
        // Kept, not redone: the outcomes wait for the store, the receivers are not called again.
        const kept = round.filter(({ item }) => {
          if (!item.partition.dropped) return true;
          this.freeBytes(item);
          return false;
        });
        this.toPersist.unshift(...kept);
        this.io.notify?.({ kind: 'persist_failed', error, failures: this.persistFailures, outcomes: kept.length });
        this.retryLater(this.persistFailures);
        this.checkIdle();
      },
    );
  }

  private markCommittable(state: PartitionState): void {
    const offset = state.window.advance();
    if (offset !== null) this.toCommit.set(state.key, { state, offset });
  }

  private commitSoon(): void {
    if (this.committing || this.cancelRetryTimer || this.toCommit.size === 0) return;
    this.committing = true;
    const round = [...this.toCommit.values()];
    this.toCommit.clear();
    this.io
      .commit(round.map(({ state, offset }) => ({ topic: state.topic, partition: state.partition, offset: offset.toString() })))
      .then(
        () => {
          this.committing = false;
          this.commitFailures = 0;
          this.commitSoon();
          this.checkIdle();
        },
        (error: unknown) => {
          this.committing = false;
          this.commitFailures++;
          // Put back unless a newer point or a rebalance replaced it; offsets only move forward.
          for (const entry of round) if (!entry.state.dropped && !this.toCommit.has(entry.state.key)) this.toCommit.set(entry.state.key, entry);
          this.io.notify?.({ kind: 'commit_failed', error });
          this.retryLater(this.commitFailures);
          this.checkIdle();
        },
      );
  }

  private retryLater(failures: number): void {
    if (this.cancelRetryTimer) return;
    this.cancelRetryTimer = this.io.setTimer(this.backoff(failures), () => {
      this.cancelRetryTimer = null;
      this.persistSoon();
      this.commitSoon();
    });
  }

  private backoff(failures: number): number {
    const base = this.options.retryBaseMs ?? 200;
    return Math.min(base * 2 ** Math.min(failures - 1, 16), this.options.retryMaxMs ?? 2_000);
  }

  // ---- fetching: retry tiers and the buffer bound -------------------------------------------------

  private partitionState(topic: string, partition: number): PartitionState {
    const key = `${topic}/${partition}`;
    let state = this.partitions.get(key);
    if (!state) {
      state = { key, topic, partition, window: new PartitionWindow(), dropped: false, pausedFor: new Set(), cancelDueTimer: null };
      this.partitions.set(key, state);
    }
    return state;
  }

  /**
   * A retry tier's messages all wait the same time, so the partition is in due order: its first
   * message not yet due holds the rest. The partition pauses and, when that message is due, its
   * fetch position goes back to it and fetching resumes. Nothing sleeps, nothing polls.
   */
  private holdUntilDue(state: PartitionState, held: EngineMessage<P>): void {
    state.window.expectNext(BigInt(held.offset));
    this.pauseFor(state, 'not-due');
    state.cancelDueTimer?.();
    state.cancelDueTimer = this.io.setTimer(Math.max(0, held.dueAt - this.io.now()), () => {
      state.cancelDueTimer = null;
      if (state.dropped || this.stopping) return;
      this.io.seek(state.topic, state.partition, held.offset);
      this.release(state, 'not-due');
    });
  }

  private pauseForBuffer(state: PartitionState): void {
    if (state.pausedFor.has('buffer')) return;
    this.pauseFor(state, 'buffer');
    this.bufferPaused.add(state);
  }

  private pauseFor(state: PartitionState, reason: 'buffer' | 'not-due'): void {
    if (state.pausedFor.size === 0) this.io.pause(state.topic, state.partition);
    state.pausedFor.add(reason);
  }

  private release(state: PartitionState, reason: 'buffer' | 'not-due'): void {
    if (!state.pausedFor.delete(reason)) return;
    if (state.pausedFor.size === 0) this.io.resume(state.topic, state.partition);
  }

  private freeBytes(item: Item<P>): void {
    this.bufferedBytes -= item.message.bytes;
    this.releaseBufferIfLow();
  }

  /** Resumes at half the bound, so fetching does not flap at the edge. */
  private releaseBufferIfLow(): void {
    if (this.bufferPaused.size === 0 || this.bufferedBytes > this.options.maxBufferedBytes / 2) return;
    for (const state of this.bufferPaused) this.release(state, 'buffer');
    this.bufferPaused.clear();
  }

  private isIdle(): boolean {
    return this.callsOut === 0 && !this.persisting && this.toPersist.length === 0 && !this.committing && this.toCommit.size === 0;
  }

  private checkIdle(): void {
    if (!this.stopping || !this.isIdle()) return;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }
}

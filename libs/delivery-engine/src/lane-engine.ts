import { DEFAULT_HOLD_AHEAD_MS, DeferReason, EngineIo, EngineMessage, EngineOptions, LaneRules } from './engine-types';
import { FetchControl, PartitionState } from './fetch-control';
import { OffsetRange } from './settled-offsets';
import { allCallsSlow, Item, Lane, newLane } from './lane';
import { backoff, OutcomeWriter } from './outcome-writer';
import { RatePacer } from './rate-pacer';

export * from './engine-types';

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
  private readonly lanes = new Map<string, Lane<P>>();
  /** Lanes that may start a call now; Map order gives round-robin over the engine-wide slots. */
  private readonly ready = new Set<Lane<P>>();
  /** Calls holding one of the maxInFlight slots. */
  private slotsUsed = 0;
  /** Every call out, slow ones included. */
  private callsOut = 0;
  private stopping = false;
  private readonly fetch: FetchControl;
  private readonly pacer: RatePacer;
  /** The rules last read per endpoint, so a lane started again within rulesTtlMs needs no lookup. */
  private readonly rulesCache = new Map<string, { rules: LaneRules; at: number }>();
  private readonly writer: OutcomeWriter<P, R>;
  private cancelStallTimer: (() => void) | null = null;
  /** How late the stall watch has fired in all: time this process was not running (see runningNow). */
  private lostMs = 0;
  private readonly idleWaiters: Array<() => void> = [];
  /** Per retry-tier partition, the messages taken before they were due (and those behind them), in offset order, and the timer for the first. */
  private readonly notDue = new Map<PartitionState, { items: Item<P>[]; cancel: (() => void) | null }>();

  constructor(
    private readonly options: EngineOptions,
    private readonly io: EngineIo<P, R>,
  ) {
    this.pacer = new RatePacer(io.now());
    this.fetch = new FetchControl(io, options.maxBufferedBytes, () => this.stopping);
    this.writer = new OutcomeWriter(options, io, {
      freeBytes: (item) => this.freeBytes(item),
      pump: () => this.pump(),
      checkIdle: () => this.checkIdle(),
    });
  }

  /**
   * Takes a fetched batch of one partition (offsets growing). Returns the offset up to which the
   * fetch position may move on (the last message taken or already in hand), or null. Messages
   * already taken (a batch fetched again) are skipped; a retry tier's message due within holdAheadMs
   * is kept and queued when due; its first message due later and everything after it are given back,
   * the partition paused until it is due.
   */
  take(topic: string, partition: number, messages: readonly EngineMessage<P>[]): string | null {
    if (this.stopping || messages.length === 0) return null;
    const state = this.fetch.partitionState(topic, partition);
    if (state.pausedFor.has('not-due')) return null;
    // Over the bound (e.g. a rebalance let every partition start again while old calls still hold
    // their bytes): nothing more is taken, so the bound is exceeded by one batch at most.
    if (this.fetch.overBound()) {
      this.fetch.pauseForBuffer(state);
      return null;
    }
    const expected = state.window.nextExpected();
    const now = this.io.now();
    const holdAheadMs = this.options.holdAheadMs ?? DEFAULT_HOLD_AHEAD_MS;
    const holdUntil = now + holdAheadMs;
    // Messages already taken count as passed too: a batch of nothing new must still move the fetch on.
    let lastTaken: string | null = null;
    let held: EngineMessage<P> | null = null;
    let settledElsewhere = 0;
    for (const message of messages) {
      const offset = BigInt(message.offset);
      if (expected !== null && offset < expected) {
        lastTaken = message.offset;
        continue;
      }
      if (this.settledByPreviousOwner(state, offset)) {
        state.window.add(offset).settled = true;
        settledElsewhere++;
        lastTaken = message.offset;
        continue;
      }
      if (message.dueAt > holdUntil) {
        held = message;
        break;
      }
      const item: Item<P> = { message, partition: state, slot: state.window.add(offset) };
      this.fetch.addBytes(message.bytes);
      // Behind one held, a message waits too: a partition's messages join their lanes in offset order (a strict
      // endpoint's order). Jitter makes that at most 10 % of the tier's delay late, as before (decision 0003).
      if (message.dueAt > now || this.notDue.has(state)) this.holdNotDue(item);
      else this.enqueue(item);
      lastTaken = message.offset;
    }
    if (settledElsewhere > 0) {
      this.writer.settledWithoutOutcome(state);
      this.io.notify?.({ kind: 'settled_by_previous_owner', topic, partition, count: settledElsewhere });
    }
    // Fetched again half the hold-ahead before it is due, it is kept and called on time.
    if (held) this.fetch.holdUntilDue(state, held, holdAheadMs / 2);
    if (this.fetch.overBound()) this.fetch.pauseForBuffer(state);
    this.pump();
    return lastTaken;
  }

  /** Whether any message is buffered, held until due or being called (the delivery consumers' fetch wait follows it). */
  hasWorkInHand(): boolean {
    return this.fetch.buffered > 0 || this.callsOut > 0;
  }

  /** Whether the engine has anything of the partition in hand (a partition given to it again keeps it). */
  holds(topic: string, partition: number): boolean {
    return this.fetch.partitions.has(`${topic}/${partition}`);
  }

  /**
   * A partition this instance was just given: the messages its previous owner settled above its last
   * commit (that commit's metadata) are taken as settled, not called again. Ignored for a partition the
   * engine still holds: what it has in hand is newer.
   */
  adopt(topic: string, partition: number, settled: readonly OffsetRange[]): void {
    if (this.stopping || settled.length === 0 || this.holds(topic, partition)) return;
    this.fetch.partitionState(topic, partition).settledElsewhere = [...settled];
  }

  /** Whether the offset is one the previous owner settled; runs below it are dropped (taking only moves up). */
  private settledByPreviousOwner(state: PartitionState, offset: bigint): boolean {
    const runs = state.settledElsewhere;
    while (runs.length > 0 && runs[0].to < offset) runs.shift();
    return runs.length > 0 && runs[0].from <= offset;
  }

  /**
   * A rebalance took these partitions away (or the consumer starts every partition from its
   * committed offset): what is queued of them is dropped, their calls out finish but commit nothing.
   * Partitions not named are kept: their calls out still commit, what is fetched again from the
   * committed offset is skipped by `take`, and their pauses are asked for again (a consumer kafkajs
   * restarted after a crash has forgotten them).
   */
  reset(lost: (topic: string, partition: number) => boolean = () => true): void {
    this.pacer.quiet(this.io.now());
    for (const state of [...this.fetch.partitions.values()]) {
      if (!lost(state.topic, state.partition)) continue;
      this.writer.forget(state.key);
      this.fetch.drop(state);
      this.dropNotDue(state);
    }
    this.fetch.pauseAgain();
    for (const lane of this.lanes.values()) {
      const kept = lane.queue.filter((item) => !item.partition.dropped);
      for (const item of lane.queue) if (item.partition.dropped) this.freeBytes(item);
      lane.queue.splice(0, lane.queue.length, ...kept);
      this.reconsider(lane);
    }
    this.fetch.releaseBufferIfLow();
  }

  /**
   * Takes no more messages and drops the queued ones (not committed, so the next owner takes them);
   * resolves once the calls out have finished and their outcomes are durable and committed, or
   * when `deadlineMs` has passed.
   */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    for (const state of this.fetch.partitions.values()) state.cancelDueTimer?.();
    for (const state of [...this.notDue.keys()]) this.dropNotDue(state);
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
      bufferedBytes: this.fetch.buffered,
      inFlight: this.callsOut,
      slotsUsed: this.slotsUsed,
      lanes: this.lanes.size,
      queued,
      rateWaiting,
      partitions: this.fetch.partitions.size,
      unpersisted: this.writer.unpersisted,
    };
  }

  // ---- retry-tier messages taken before they are due --------------------------------------------

  /**
   * Keeps a message until it is due. Giving it back instead costs a pause, a seek and a fetch of the
   * same records again when it falls due, and waits for the fetch in flight before that.
   */
  private holdNotDue(item: Item<P>): void {
    const waiting = this.notDue.get(item.partition);
    if (waiting) {
      // Behind the first, whose timer is set: released with it or after it.
      waiting.items.push(item);
      return;
    }
    this.notDue.set(item.partition, { items: [item], cancel: null });
    this.armNotDue(item.partition);
  }

  /** One timer per partition, for its first message's due time. */
  private armNotDue(state: PartitionState): void {
    const waiting = this.notDue.get(state)!;
    waiting.cancel = this.io.setTimer(Math.max(0, waiting.items[0].message.dueAt - this.io.now()), () => {
      waiting.cancel = null;
      if (this.notDue.get(state) !== waiting) return;
      // Never early: a timer may fire a millisecond before the clock shows its time, and is then set again.
      const now = this.io.now();
      // In offset order: a message due but behind one that is not waits for it.
      let due = 0;
      while (due < waiting.items.length && waiting.items[due].message.dueAt <= now) due++;
      for (const item of waiting.items.splice(0, due)) this.enqueue(item);
      if (waiting.items.length === 0) this.notDue.delete(state);
      else this.armNotDue(state);
      this.pump();
    });
  }

  /** The partition was taken away, or the engine stops: its held messages were not attempted and are not committed. */
  private dropNotDue(state: PartitionState): void {
    const waiting = this.notDue.get(state);
    if (!waiting) return;
    this.notDue.delete(state);
    waiting.cancel?.();
    for (const item of waiting.items) this.freeBytes(item);
  }

  // ---- lanes --------------------------------------------------------------------------------

  private enqueue(item: Item<P>): void {
    let lane = this.lanes.get(item.message.laneKey);
    if (!lane) {
      lane = newLane<P>(item.message.laneKey, this.options.laneConcurrency, this.rulesCache.get(item.message.laneKey));
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
        const retryInMs = backoff(lane.unavailableFailures, this.options);
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

  /** When the lane may start its next call under its endpoint's rate limit (see RatePacer). */
  private rateFreeAt(lane: Lane<P>, now: number): number {
    return this.pacer.rateFreeAt(lane.key, lane.rules?.ratePerSecond, now);
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
    this.pacer.recordStart(lane.key, lane.rules?.ratePerSecond, this.io.now());
    this.slotsUsed++;
    this.callsOut++;
    lane.inFlight.set(item, { startedAt: this.runningNow(), holdsSlot: true });
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
          const retryInMs = backoff(lane.unavailableFailures, this.options);
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
    const quick = this.runningNow() - call.startedAt < this.options.stallMs;
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
    const intervalMs = Math.max(10, this.options.stallMs / 2);
    const dueAt = this.io.now() + intervalMs;
    this.cancelStallTimer = this.io.setTimer(intervalMs, () => {
      this.cancelStallTimer = null;
      this.lostMs += Math.max(0, this.io.now() - dueAt);
      const now = this.runningNow();
      for (const lane of [...this.lanes.values()]) {
        for (const call of lane.inFlight.values()) {
          if (!call.holdsSlot || now - call.startedAt < this.options.stallMs) continue;
          call.holdsSlot = false;
          this.slotsUsed--;
          lane.limit = 1;
        }
        if (allCallsSlow(lane, now, this.options.stallMs)) {
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

  /**
   * The clock calls are judged slow by: wall time less the time the stall watch fired late. A late watch means
   * this process was not running (a blocked loop, a starved CPU), and answers waiting in its sockets were not read
   * meanwhile; that time is not the endpoint's. The judgement stays a matter of turns of the loop, so a
   * starved process does not defer every healthy endpoint's queue to a retry tier.
   */
  private runningNow(): number {
    return this.io.now() - this.lostMs;
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

    this.writer.add(item, outcome);
    this.pump();
  }

  private freeBytes(item: Item<P>): void {
    this.fetch.freeBytes(item.message.bytes);
  }

  private isIdle(): boolean {
    return this.callsOut === 0 && this.writer.isIdle();
  }

  private checkIdle(): void {
    if (!this.stopping || !this.isIdle()) return;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }
}

import { EngineIo, EngineOptions } from './engine-types';
import { PartitionState } from './fetch-control';
import { Item } from './lane';
import { OffsetRange } from './settled-offsets';

interface Settling<P, R> {
  item: Item<P>;
  outcome: R;
}

/** What the writer asks of the engine when a round is done. */
export interface WriterHooks<P> {
  /** The message's outcome is durable (or its partition gone): its bytes leave the buffer. */
  freeBytes(item: Item<P>): void;
  /** Slots or lanes may have come free: start calls. */
  pump(): void;
  /** The engine may have become idle (a stop waits for that). */
  checkIdle(): void;
}

/** Waits between attempts to persist outcomes or commit (or to call an endpoint that could not be called): doubling to a cap. */
export function backoff(failures: number, options: Pick<EngineOptions, 'retryBaseMs' | 'retryMaxMs'>): number {
  const base = options.retryBaseMs ?? 200;
  return Math.min(base * 2 ** Math.min(failures - 1, 16), options.retryMaxMs ?? 2_000);
}

/**
 * Settling: outcomes are made durable in rounds (`EngineIo.persist`), then each partition commits up
 * to its lowest unsettled offset (`EngineIo.commit`); after a failure both wait and try again, the
 * receivers are not called again.
 */
export class OutcomeWriter<P, R> {
  private readonly toPersist: Array<Settling<P, R>> = [];
  private persisting = false;
  private persistFailures = 0;

  private readonly toCommit = new Map<string, { state: PartitionState; offset: bigint }>();
  private committing = false;
  private commitFailures = 0;
  private cancelRetryTimer: (() => void) | null = null;
  private readonly persistGate: IntervalGate;
  private readonly commitGate: IntervalGate;

  constructor(
    private readonly options: EngineOptions,
    private readonly io: EngineIo<P, R>,
    private readonly hooks: WriterHooks<P>,
  ) {
    this.persistGate = new IntervalGate(io, options.persistIntervalMs ?? 0);
    this.commitGate = new IntervalGate(io, options.commitIntervalMs ?? 0);
  }

  get unpersisted(): number {
    return this.toPersist.length;
  }

  isIdle(): boolean {
    return !this.persisting && this.toPersist.length === 0 && !this.committing && this.toCommit.size === 0 && !this.commitGate.waiting && !this.persistGate.waiting;
  }

  add(item: Item<P>, outcome: R): void {
    this.toPersist.push({ item, outcome });
    this.persistSoon();
  }

  /** The partition was dropped: its pending commit point is no longer this instance's to commit. */
  forget(partitionKey: string): void {
    this.toCommit.delete(partitionKey);
  }

  private persistSoon(): void {
    if (this.persisting || this.cancelRetryTimer || this.persistGate.waiting || this.toPersist.length === 0) return;
    if (!this.persistGate.mayStart(() => this.persistSoon())) return;
    this.persisting = true;
    // Outcomes that arrive while a round is written join the next round (one write for many).
    const round = this.toPersist.splice(0, this.options.maxPersistBatch ?? 2_000);
    this.io.persist(round.map((s) => s.outcome)).then(
      () => {
        this.persisting = false;
        this.persistFailures = 0;
        const settledIn = new Set<PartitionState>();
        for (const { item } of round) {
          item.slot.settled = true;
          this.hooks.freeBytes(item);
          if (!item.partition.dropped) settledIn.add(item.partition);
        }
        for (const state of settledIn) this.markCommittable(state);
        this.commitSoon();
        this.persistSoon();
        this.hooks.pump();
        this.hooks.checkIdle();
      },
      (error: unknown) => {
        this.persisting = false;
        this.persistFailures++;
        // Kept, not redone: the outcomes wait for the store, the receivers are not called again.
        const kept = round.filter(({ item }) => {
          if (!item.partition.dropped) return true;
          this.hooks.freeBytes(item);
          return false;
        });
        this.toPersist.unshift(...kept);
        this.io.notify?.({ kind: 'persist_failed', error, failures: this.persistFailures, outcomes: kept.length });
        this.retryLater(this.persistFailures);
        this.hooks.checkIdle();
      },
    );
  }

  /** Messages taken already settled (by the partition's previous owner): their partition may commit past them. */
  settledWithoutOutcome(state: PartitionState): void {
    this.markCommittable(state);
    this.commitSoon();
  }

  /**
   * Called once messages of the partition settled. It commits when its commit point moved, and also when it did
   * not: then what settled is above the point, and the commit tells a next owner not to call it again (decision 0025).
   */
  private markCommittable(state: PartitionState): void {
    const offset = state.window.advance() ?? state.window.commitPoint();
    if (offset !== null) this.toCommit.set(state.key, { state, offset });
  }

  /** The settled runs above `point`: the window's, then what the previous owner settled beyond the window. */
  private *settledAbove(state: PartitionState): Generator<OffsetRange> {
    yield* state.window.settledRuns();
    const end = state.window.nextExpected();
    for (const run of state.settledElsewhere) if (end === null || run.to >= end) yield end !== null && run.from < end ? { from: end, to: run.to } : run;
  }

  private commitSoon(): void {
    if (this.committing || this.cancelRetryTimer || this.commitGate.waiting || this.toCommit.size === 0) return;
    const whenUp = () => {
      this.commitSoon();
      this.hooks.checkIdle();
    };
    if (!this.commitGate.mayStart(whenUp)) return;
    this.committing = true;
    const round = [...this.toCommit.values()];
    this.toCommit.clear();
    this.io
      .commit(round.map(({ state, offset }) => ({ topic: state.topic, partition: state.partition, offset: offset.toString(), settledAbove: firstOf(this.settledAbove(state), MAX_SETTLED_RUNS) })))
      .then(
        () => {
          this.committing = false;
          this.commitFailures = 0;
          this.commitSoon();
          this.hooks.checkIdle();
        },
        (error: unknown) => {
          this.committing = false;
          this.commitFailures++;
          // Put back unless a newer point or a rebalance replaced it; offsets only move forward.
          for (const entry of round) if (!entry.state.dropped && !this.toCommit.has(entry.state.key)) this.toCommit.set(entry.state.key, entry);
          this.io.notify?.({ kind: 'commit_failed', error });
          this.retryLater(this.commitFailures);
          this.hooks.checkIdle();
        },
      );
  }

  private retryLater(failures: number): void {
    if (this.cancelRetryTimer) return;
    this.cancelRetryTimer = this.io.setTimer(backoff(failures, this.options), () => {
      this.cancelRetryTimer = null;
      this.persistSoon();
      this.commitSoon();
    });
  }
}

/** More runs than a commit's metadata can carry (each takes at least two characters of SETTLED_METADATA_MAX_CHARS). */
const MAX_SETTLED_RUNS = 1_000;

function firstOf<T>(items: Iterable<T>, n: number): T[] {
  const taken: T[] = [];
  for (const item of items) {
    if (taken.length >= n) break;
    taken.push(item);
  }
  return taken;
}

/** Lets a kind of round start at most once per interval; a round asked for too early starts when the interval is up. */
class IntervalGate {
  private lastStart = -Infinity;
  private cancelTimer: (() => void) | null = null;

  constructor(
    private readonly io: Pick<EngineIo<unknown, unknown>, 'now' | 'setTimer'>,
    private readonly intervalMs: number,
  ) {}

  /** A round is waiting for its interval to be up. */
  get waiting(): boolean {
    return this.cancelTimer !== null;
  }

  /** True: start the round now (counted as started). False: `whenUp` runs once the interval is up. */
  mayStart(whenUp: () => void): boolean {
    const wait = this.lastStart + this.intervalMs - this.io.now();
    if (wait > 0) {
      this.cancelTimer = this.io.setTimer(wait, () => {
        this.cancelTimer = null;
        whenUp();
      });
      return false;
    }
    this.lastStart = this.io.now();
    return true;
  }
}

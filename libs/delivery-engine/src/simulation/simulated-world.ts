import { CircuitBreaker } from '@app/webhooks';
import { DeferReason, EngineCommit, EngineIo, EngineOptions, EngineMessage, LaneEngine, LaneRules, RATE_WINDOW_MS } from '../lane-engine';
import { decodeSettledOffsets, encodeSettledOffsets, OffsetRange } from '../settled-offsets';
import { SimClock, mulberry32 } from './sim-clock';

/**
 * A deterministic world for the lane engine: a simulated clock and timer queue, a simulated
 * broker (partition logs, fetch positions, pause/seek, commits), endpoints that are healthy, slow,
 * dead or flapping, and a store that can be away. Every random choice comes from one seeded
 * generator and every asynchronous answer is a timer on the simulated clock, so a seed replays
 * exactly. The invariants are checked as the world runs; a broken one throws with the seed.
 */

type Behaviour = 'healthy' | 'slow' | 'dead' | 'flapping' | 'unknown';

interface LogMessage {
  offset: bigint;
  laneKey: string;
  bytes: number;
  dueAt: number;
}

interface SimPartition {
  topic: string;
  partition: number;
  log: LogMessage[];
  position: bigint;
  paused: boolean;
  committed: bigint;
  /** The last commit's metadata: the runs above it the committer had settled (decision 0025). */
  metadata: string | null;
}

export interface Outcome {
  topic: string;
  partition: number;
  offset: bigint;
  kind: 'delivered' | 'failed' | 'deferred' | 'parked';
  incarnation: number;
  /** Parked outcomes: the lane and owner whose order they must keep ("incarnation/ownership/topic/partition/lane"). */
  orderKey?: string;
}

export interface SimulationOptions {
  seed: number;
  steps: number;
}

export interface SimulationReport {
  seed: number;
  messages: number;
  calls: number;
  deferrals: number;
  parked: number;
  rateLimitedWaits: number;
  rebalances: number;
  restarts: number;
  simulatedSeconds: number;
}

const CALL_TIMEOUT_MS = 5_000;
const MAX_BATCH = 40;
const MAX_MESSAGE_BYTES = 4_000;

export class SimulatedWorld {
  private readonly rng: () => number;
  private readonly clock = new SimClock();
  private readonly partitions: SimPartition[] = [];
  private readonly behaviours = new Map<string, Behaviour>();
  /** Fixed per seed: some endpoints strict, some rate-limited (1-5 calls a second), some both. */
  private readonly rules = new Map<string, LaneRules>();
  /** Start times of every call per endpoint, all incarnations together (the receiver's view). */
  private readonly callStarts = new Map<string, number[]>();
  /** Per order key: the last parked offset made durable, and every one made durable. */
  private readonly lastParked = new Map<string, bigint>();
  private readonly durableParks = new Set<string>();
  private readonly breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 1_000 });
  private storeAway = false;
  private brokerAway = false;
  /** Outcomes made durable, by "topic/partition/offset". */
  private readonly persisted = new Set<string>();
  /** Calls that came back with an answer, by "incarnation/ownership/topic/partition/offset". */
  private readonly answered = new Map<string, number>();
  private engine!: LaneEngine<LogMessage, Outcome>;
  /** Bumped by every restart: a dead process's answers never arrive. */
  private incarnation = 0;
  /**
   * Per partition, bumped by every rebalance of the current incarnation that takes it away. A partition
   * kept across a rebalance keeps its owner: none of its messages may be called again.
   */
  private readonly ownership = new Map<string, number>();
  private readonly report: SimulationReport;
  private readonly options: EngineOptions;
  /** Per partition, what its last commit named settled when its current owner was given it: never to be called by that owner. */
  private readonly adopted = new Map<string, OffsetRange[]>();
  /** A small metadata bound on some seeds, so runs left out (called again, as allowed) are exercised too. */
  private readonly metadataMaxChars: number;

  constructor(private readonly sim: SimulationOptions) {
    this.rng = mulberry32(sim.seed);
    // The commit and persist intervals and the hold-ahead from the seed itself, not the generator, so every seed's other choices stay as they were.
    this.options = {
      laneConcurrency: 3,
      maxInFlight: 8,
      stallMs: 1_000,
      maxBufferedBytes: 60_000,
      maxPersistBatch: 16,
      commitIntervalMs: [0, 50, 200][sim.seed % 3],
      persistIntervalMs: [0, 20, 100][Math.floor(sim.seed / 3) % 3],
      holdAheadMs: [1_000, 0, 2_500][Math.floor(sim.seed / 9) % 3],
    };
    this.metadataMaxChars = sim.seed % 4 === 0 ? 24 : 2_000;
    this.report = { seed: sim.seed, messages: 0, calls: 0, deferrals: 0, parked: 0, rateLimitedWaits: 0, rebalances: 0, restarts: 0, simulatedSeconds: 0 };
    const endpoints = 1 + this.int(8);
    for (let e = 0; e < endpoints; e++) {
      this.behaviours.set(`ep${e}`, this.pick(['healthy', 'healthy', 'slow', 'dead', 'flapping', 'unknown']));
      this.rules.set(`ep${e}`, { strict: this.rng() < 0.2, ratePerSecond: this.rng() < 0.35 ? 1 + this.int(5) : null });
    }
    const partitions = 1 + this.int(3);
    for (let p = 0; p < partitions; p++) this.partitions.push({ topic: 'deliveries', partition: p, log: [], position: 0n, paused: false, committed: 0n, metadata: null });
    // One retry-tier partition: every message waits the same delay, so the log is in due order.
    this.partitions.push({ topic: 'retry.2s', partition: 0, log: [], position: 0n, paused: false, committed: 0n, metadata: null });
    for (const p of this.partitions) this.append(p, this.int(60));
    this.engine = this.newEngine();
  }

  async run(): Promise<SimulationReport> {
    const started = this.clock.now;
    for (let step = 0; step < this.sim.steps; step++) {
      const roll = this.rng();
      if (roll < 0.45) this.fetchRound();
      else if (roll < 0.75) await this.clock.runUntil(this.clock.now + this.int(3_000), () => this.flush());
      else if (roll < 0.83) this.append(this.pick(this.partitions), this.int(30));
      else if (roll < 0.89) this.behaviours.set(this.pick([...this.behaviours.keys()]), this.pick(['healthy', 'slow', 'dead', 'flapping', 'unknown']));
      else if (roll < 0.92) this.storeAway = !this.storeAway;
      else if (roll < 0.94) this.brokerAway = !this.brokerAway;
      else if (roll < 0.97) this.rebalance();
      else if (roll < 0.98) this.restart();
      else await this.clock.runUntil(this.clock.now + 30_000 + this.int(60_000), () => this.flush());
      await this.flush();
      this.checkBufferBound();
    }
    await this.settleDown();
    this.report.simulatedSeconds = Math.round((this.clock.now - started) / 1000);
    return this.report;
  }

  /** Faults end and every endpoint recovers: every partition must then commit to its end. */
  private async settleDown(): Promise<void> {
    this.storeAway = false;
    this.brokerAway = false;
    for (const key of this.behaviours.keys()) this.behaviours.set(key, 'healthy');
    const lastDue = Math.max(0, ...this.partitions.flatMap((p) => p.log.map((m) => m.dueAt)));
    const deadline = Math.max(this.clock.now, lastDue) + 120_000;
    while (this.clock.now < deadline && !this.allCommitted()) {
      this.fetchRound();
      await this.flush();
      await this.clock.runUntil(this.clock.now + 100, () => this.flush());
    }
    if (!this.allCommitted()) {
      const stuck = this.partitions.filter((p) => !this.committedToEnd(p)).map((p) => `${p.topic}/${p.partition} committed ${p.committed} of ${this.end(p)}, position ${p.position}, paused ${p.paused}`);
      this.fail(`no progress after the faults ended: ${stuck.join('; ')}; engine ${JSON.stringify(this.engine.stats())}`);
    }
  }

  private allCommitted(): boolean {
    return this.partitions.every((p) => this.committedToEnd(p));
  }

  private committedToEnd(p: SimPartition): boolean {
    return p.committed >= this.end(p);
  }

  private end(p: SimPartition): bigint {
    return p.log.length === 0 ? 0n : p.log[p.log.length - 1].offset + 1n;
  }

  // ---- the broker ---------------------------------------------------------------------------------

  private append(p: SimPartition, count: number): void {
    let next = this.end(p);
    for (let i = 0; i < count; i++) {
      // Transaction markers take offsets too: offsets are not contiguous.
      if (this.rng() < 0.1) next += 1n;
      // A retry tier's wait with up to 10 % jitter (decision 0003), so its partition is only nearly in due order;
      // from the offset, not the generator, so every seed's other choices stay as they were.
      const dueAt = p.topic === 'deliveries' ? 0 : this.clock.now + 2_000 + Number(next % 201n);
      p.log.push({ offset: next, laneKey: this.pick([...this.behaviours.keys()]), bytes: 100 + this.int(MAX_MESSAGE_BYTES - 100), dueAt });
      next += 1n;
      this.report.messages++;
    }
  }

  private fetchRound(): void {
    if (this.brokerAway) return;
    for (const p of this.partitions) {
      if (p.paused || this.rng() < 0.3) continue;
      let from = p.log.findIndex((m) => m.offset >= p.position);
      if (from < 0) continue;
      // Now and then a batch that starts earlier (a fetch sent before the last resolve or seek).
      if (this.rng() < 0.1) from = Math.max(0, from - this.int(5));
      const batch = p.log.slice(from, from + 1 + this.int(MAX_BATCH));
      const taken = this.engine.take(
        p.topic,
        p.partition,
        batch.map((m) => ({ topic: p.topic, partition: p.partition, offset: m.offset.toString(), laneKey: m.laneKey, bytes: m.bytes, dueAt: m.dueAt, payload: m })),
      );
      // kafkajs fetches on from the last resolved offset; a batch refused must leave the partition paused, or
      // kafkajs fetches it again at once, over and over.
      if (taken !== null) p.position = BigInt(taken) + 1n;
      else if (!p.paused) this.fail(`${p.topic}/${p.partition}: a batch at ${batch[0].offset} refused, the partition not paused`);
    }
  }

  /**
   * A rebalance: each partition is lost with even odds, now and then all of them (a consumer
   * replaced). kafkajs fetches every partition again from its committed offset, and half the time it
   * is a consumer kafkajs restarted after a crash, which has forgotten every pause.
   */
  private rebalance(): void {
    this.report.rebalances++;
    const all = this.rng() < 0.25;
    const restarted = this.rng() < 0.5;
    const lost = new Set(this.partitions.filter(() => all || this.rng() < 0.5).map((p) => this.keyOf(p.topic, p.partition)));
    for (const p of this.partitions) {
      p.position = p.committed;
      if (restarted) p.paused = false;
    }
    this.engine.reset((topic, partition) => lost.has(this.keyOf(topic, partition)));
    for (const p of this.partitions) {
      const key = this.keyOf(p.topic, p.partition);
      if (!lost.has(key)) continue;
      p.paused = false;
      this.ownership.set(key, this.owner(p.topic, p.partition) + 1);
      this.adopt(p);
    }
  }

  /** The partition's new owner is told what its last commit named settled, as the delivery stream does on a join. */
  private adopt(p: SimPartition): void {
    const runs = decodeSettledOffsets(p.metadata);
    this.adopted.set(this.keyOf(p.topic, p.partition), runs);
    this.engine.adopt(p.topic, p.partition, runs);
  }

  private keyOf(topic: string, partition: number): string {
    return `${topic}/${partition}`;
  }

  private owner(topic: string, partition: number): number {
    return this.ownership.get(this.keyOf(topic, partition)) ?? 0;
  }

  private restart(): void {
    this.report.restarts++;
    this.incarnation++;
    this.ownership.clear();
    for (const p of this.partitions) {
      p.position = p.committed;
      p.paused = false;
    }
    this.engine = this.newEngine();
    for (const p of this.partitions) this.adopt(p);
  }

  // ---- the engine's outside world --------------------------------------------------------------

  private newEngine(): LaneEngine<LogMessage, Outcome> {
    const incarnation = this.incarnation;
    const alive = () => incarnation === this.incarnation;
    const partition = (topic: string, n: number) => this.partitions.find((p) => p.topic === topic && p.partition === n)!;
    const io: EngineIo<LogMessage, Outcome> = {
      now: () => this.clock.now,
      setTimer: (ms, fn) => this.clock.setTimer(ms, () => alive() && fn()),
      admits: (message, now) => this.breaker.allow(message.laneKey, now, message.topic !== 'deliveries'),
      call: (message) => this.call(message, incarnation),
      defer: (message, _reason: DeferReason) => {
        this.report.deferrals++;
        return { topic: message.topic, partition: message.partition, offset: BigInt(message.offset), kind: 'deferred', incarnation };
      },
      rules: (message) =>
        this.answerLater(1 + this.int(5), alive, () => {
          if (this.behaviours.get(message.laneKey) === 'unknown') throw new Error('endpoint directory unavailable');
          return this.rules.get(message.laneKey)!;
        }),
      park: (message) => {
        if (!this.rules.get(message.laneKey)!.strict) this.fail(`${message.topic}/${message.partition}@${message.offset} parked for ${message.laneKey}, which is not strict`);
        this.report.parked++;
        const orderKey = `${incarnation}/${this.owner(message.topic, message.partition)}/${message.topic}/${message.partition}/${message.laneKey}`;
        return { topic: message.topic, partition: message.partition, offset: BigInt(message.offset), kind: 'parked', incarnation, orderKey };
      },
      persist: (outcomes) =>
        this.answerLater(1 + this.int(20), alive, () => {
          if (this.storeAway) throw new Error('store away');
          for (const o of outcomes) {
            this.persisted.add(`${o.topic}/${o.partition}/${o.offset}`);
            if (o.kind === 'parked') this.checkParkOrder(o);
          }
        }),
      notify: (event) => {
        if (event.kind === 'rate_limited') this.report.rateLimitedWaits++;
      },
      commit: (offsets) =>
        this.answerLater(1 + this.int(10), alive, () => {
          if (this.brokerAway) throw new Error('broker away');
          for (const o of offsets) this.commit(o);
        }),
      pause: (topic, n) => alive() && (partition(topic, n).paused = true),
      resume: (topic, n) => alive() && (partition(topic, n).paused = false),
      seek: (topic, n, offset) => alive() && (partition(topic, n).position = BigInt(offset)),
    };
    return new LaneEngine(this.options, io);
  }

  private call(message: EngineMessage<LogMessage>, incarnation: number): Promise<Outcome> {
    const behaviour = this.behaviours.get(message.laneKey)!;
    this.checkRate(message);
    if (message.dueAt > this.clock.now) this.fail(`${message.topic}/${message.partition}@${message.offset} called ${message.dueAt - this.clock.now} ms before it was due`);
    const owner = this.owner(message.topic, message.partition);
    const offset = BigInt(message.offset);
    if ((this.adopted.get(this.keyOf(message.topic, message.partition)) ?? []).some((r) => r.from <= offset && offset <= r.to)) {
      this.fail(`${message.topic}/${message.partition}@${message.offset} called again although its last owner's commit named it settled`);
    }
    const alive = () => incarnation === this.incarnation;
    if (behaviour === 'unknown') return this.answerLater(1 + this.int(5), alive, () => {
      throw new Error('endpoint directory unavailable');
    });
    const ok = behaviour === 'healthy' || behaviour === 'slow' || (behaviour === 'flapping' && this.rng() < 0.5);
    const ms = behaviour === 'dead' ? CALL_TIMEOUT_MS : behaviour === 'slow' ? 500 + this.int(2_500) : 1 + this.int(30);
    return this.answerLater(ms, alive, () => {
      const key = `${incarnation}/${owner}/${message.topic}/${message.partition}/${message.offset}`;
      const n = (this.answered.get(key) ?? 0) + 1;
      this.answered.set(key, n);
      if (n > 1) this.fail(`${key} attempted ${n} times by one owner`);
      this.report.calls++;
      this.breaker.record(message.laneKey, ok, this.clock.now);
      return { topic: message.topic, partition: message.partition, offset: BigInt(message.offset), kind: ok ? 'delivered' : 'failed', incarnation };
    });
  }

  /** The invariant that matters most: an offset is committed only when everything before it is durable. */
  private commit({ topic, partition, offset, settledAbove }: EngineCommit): void {
    const p = this.partitions.find((x) => x.topic === topic && x.partition === partition)!;
    const upTo = BigInt(offset);
    for (const m of p.log) {
      if (m.offset >= upTo) break;
      if (!this.persisted.has(`${topic}/${partition}/${m.offset}`)) this.fail(`committed ${topic}/${partition} up to ${upTo} before the outcome of ${m.offset} was durable`);
    }
    // And what a commit names settled above its point is as durable: the next owner will not call it.
    p.metadata = encodeSettledOffsets(upTo, settledAbove, this.metadataMaxChars);
    for (const run of decodeSettledOffsets(p.metadata)) {
      for (const m of p.log) {
        if (m.offset >= run.from && m.offset <= run.to && !this.persisted.has(`${topic}/${partition}/${m.offset}`)) {
          this.fail(`committed ${topic}/${partition} at ${upTo} naming ${m.offset} settled before its outcome was durable`);
        }
      }
    }
    p.committed = upTo;
  }

  /** A strict endpoint is never called by the engine; a limited one never gets more than its rate in any window. */
  private checkRate(message: EngineMessage<LogMessage>): void {
    const rules = this.rules.get(message.laneKey)!;
    if (rules.strict) this.fail(`${message.topic}/${message.partition}@${message.offset} called for ${message.laneKey}, which is strict (it must be parked)`);
    const now = this.clock.now;
    const starts = (this.callStarts.get(message.laneKey) ?? []).filter((t) => now - t < RATE_WINDOW_MS);
    starts.push(now);
    this.callStarts.set(message.laneKey, starts);
    if (rules.ratePerSecond !== null && starts.length > rules.ratePerSecond) {
      this.fail(`${starts.length} calls to ${message.laneKey} within ${RATE_WINDOW_MS} ms, limit ${rules.ratePerSecond} (at ${starts.map((t) => t - now).join(', ')} ms)`);
    }
  }

  /** A strict lane's messages reach the durable queue in the order its owner received them. */
  private checkParkOrder(o: Outcome): void {
    const id = `${o.orderKey}/${o.offset}`;
    if (this.durableParks.has(id)) return; // written again after a failed round: the store keeps one
    const last = this.lastParked.get(o.orderKey!);
    if (last !== undefined && o.offset < last) this.fail(`${o.orderKey}: ${o.offset} parked after ${last}`);
    this.lastParked.set(o.orderKey!, o.offset);
    this.durableParks.add(id);
  }

  private checkBufferBound(): void {
    // Nothing is taken while over the bound: at most one batch beyond it, whatever rebalances happened.
    const bound = this.options.maxBufferedBytes + MAX_BATCH * MAX_MESSAGE_BYTES;
    const { bufferedBytes, slotsUsed, inFlight } = this.engine.stats();
    if (slotsUsed < 0 || slotsUsed > this.options.maxInFlight || slotsUsed > inFlight) this.fail(`${slotsUsed} instance slots used of ${this.options.maxInFlight} with ${inFlight} calls out`);
    if (bufferedBytes > bound) this.fail(`${bufferedBytes} bytes buffered, bound ${bound}`);
    if (bufferedBytes < 0) this.fail(`buffer accounting went negative: ${bufferedBytes}`);
  }

  /** A promise settled by a timer on the simulated clock; a dead process's never settles. */
  private answerLater<T>(ms: number, alive: () => boolean, answer: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.clock.setTimer(ms, () => {
        if (!alive()) return;
        try {
          resolve(answer());
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
  }

  private async flush(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.violation) throw this.violation;
  }

  private int(n: number): number {
    return Math.floor(this.rng() * n);
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Kept as well as thrown: a throw inside a simulated answer would only reject that answer. */
  private violation: Error | null = null;

  private fail(message: string): never {
    this.violation ??= new Error(`seed ${this.sim.seed}: ${message} (replay: SIMULATION_SEED=${this.sim.seed} npm test -- unit lane-engine.simulation)`);
    throw this.violation;
  }
}

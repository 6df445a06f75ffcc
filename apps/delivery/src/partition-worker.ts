import { KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';

/**
 * Messages attempted, made durable and committed together. It bounds the duplicates of a
 * rebalance or crash: a chunk whose commit did not happen is attempted again by the next owner.
 */
export const CHUNK_SIZE = 100;
/** Chunks of one partition in hand at once: one being attempted while the one before is committed. */
export const PIPELINE_DEPTH = 2;
/**
 * Chunks in hand while the oldest has been waiting for more than `stallMs` (a slow or dead
 * endpoint's calls, up to DELIVERY_TIMEOUT_MS): the chunks after it are attempted meanwhile, so the
 * healthy endpoints sharing the partition are not held up by it; commits still wait, in order.
 * With 2, ten healthy endpoints beside one dead one took 3.0x as long as alone (bench isolation).
 * It also bounds what a crash redoes in such a partition (this many chunks).
 */
export const STALLED_PIPELINE_DEPTH = 10;
/**
 * Queued messages at which fetching the partition pauses, and below which it resumes: a few
 * chunks keep the worker busy across a fetch round trip; more only costs memory (with 2,000 the
 * delivery process peaked at 317 MB draining a 200,000-message backlog).
 */
const HIGH_WATER = 500;
const LOW_WATER = 200;

export interface PartitionWorkerDeps {
  /**
   * Attempts the messages and makes every outcome durable; may keep trying the writes until
   * `abandoned()` (the partition was reset, or the stream is stopping). Calls `attempted()` once
   * every call is made, before the writes.
   */
  deliver(messages: KafkaMessage[], abandoned: () => boolean, attempted: () => void): Promise<void>;
  commit(offset: string): Promise<void>;
  /** Moves the fetch position back, so the messages from `offset` on are fetched again. */
  seek(offset: string): void;
  isStopping(): boolean;
  logger: Logger;
  /** How long the oldest chunk may wait before more chunks are started beside it (DELIVERY_STALLED_CHUNK_MS). */
  stallMs: number;
  /**
   * Whether one of the chunk's endpoints has a call out for more than `stallMs` (a slow or dead
   * receiver). A chunk that is merely slow because its calls wait their turn (a busy machine, a
   * long backlog) does not count: more chunks beside it would only queue behind the same limits.
   */
  heldBySlowCalls(chunk: KafkaMessage[]): boolean;
}

interface InHand {
  chunk: KafkaMessage[];
  delivered: Promise<void>;
  settled: boolean;
  /** Every call made: what is left is writing the outcomes (no endpoint holds it up any more). */
  attempted: boolean;
  /** Seen held up by a slow endpoint's calls (stays so until it settles). */
  stalled: boolean;
  startedAt: number;
  generation: number;
}

/**
 * The fetched but uncommitted messages of one partition, worked off in order one chunk at a time
 * while the consumer keeps fetching (so the fetch round trip is not on every chunk's path).
 * Offsets are committed only after the chunk's outcomes are durable; what is queued is only in
 * memory, and a reset (rebalance) or failure simply fetches it again from the committed offset.
 */
export class PartitionWorker {
  private queue: KafkaMessage[] = [];
  /** The offset the next queued message must reach; older ones are already queued or done. */
  private expected: bigint | null = null;
  /**
   * After going back to a failed chunk: its first offset. Until a batch starting exactly there
   * arrives, batches are ones fetched from the old position and are not taken (they come again).
   * (Offsets are not contiguous in general — transaction markers take offsets — so only this
   * exact match is a safe test.)
   */
  private rewindTo: bigint | null = null;
  /** Bumped by every reset, so a chunk that fails across a rebalance leaves the new state alone. */
  private generation = 0;
  private resumeFetching: (() => void) | null = null;
  private draining: Promise<void> | null = null;
  /** Wakes a drain that waits beside a stalled chunk when new messages are queued. */
  private wakeOnPush: (() => void) | null = null;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly deps: PartitionWorkerDeps,
  ) {}

  /**
   * Queues a fetched batch; `pause` stops fetching this partition while the queue is full.
   * Returns false when the batch was not taken (the caller must then not resolve its offsets).
   */
  push(messages: KafkaMessage[], pause: () => () => void): boolean {
    if (this.rewindTo !== null) {
      const start = messages.findIndex((m) => BigInt(m.offset) === this.rewindTo);
      if (start < 0) return false;
      messages = messages.slice(start);
      this.rewindTo = null;
      this.expected = null;
    }
    const expected = this.expected;
    const fresh = expected === null ? messages : messages.filter((m) => BigInt(m.offset) >= expected);
    if (fresh.length === 0) return true;
    this.queue.push(...fresh);
    this.expected = BigInt(fresh[fresh.length - 1].offset) + 1n;
    if (this.queue.length >= HIGH_WATER && !this.resumeFetching) this.resumeFetching = pause();
    this.wake();
    this.startDraining();
    return true;
  }

  /** Forgets what is queued: after a rebalance the partition is fetched again from its committed offset. */
  reset(): void {
    this.generation++;
    this.queue = [];
    this.expected = null;
    this.rewindTo = null;
    this.resume();
  }

  /** Resolves when the chunk in hand (if any) is finished. */
  async idle(): Promise<void> {
    await this.draining;
  }

  private startDraining(): void {
    this.draining ??= this.drain().finally(() => {
      this.draining = null;
      // Messages queued while a failed chunk was backing off still need a drain.
      if (this.queue.length > 0 && !this.deps.isStopping()) this.startDraining();
    });
  }

  /**
   * Works the queue off in chunks, PIPELINE_DEPTH of them in hand: while one chunk's outcomes are
   * made durable and its offset committed, the next one is already being attempted, so the
   * commit's round trips are not on every message's path. When the oldest chunk stalls (a slow
   * endpoint), up to STALLED_PIPELINE_DEPTH are in hand. Commits stay in chunk order.
   */
  private async drain(): Promise<void> {
    const inHand: InHand[] = [];
    const { stallMs } = this.deps;
    for (;;) {
      // Only calls stall a chunk: while its writes are being retried (database or broker away) nothing
      // more is attempted, so a crash then redoes no more than PIPELINE_DEPTH chunks.
      const oldest = inHand[0];
      if (oldest && !oldest.stalled && !oldest.attempted && Date.now() - oldest.startedAt >= stallMs) {
        oldest.stalled = this.deps.heldBySlowCalls(oldest.chunk);
        if (oldest.stalled) {
          this.deps.logger.info({ topic: this.topic, partition: this.partition, offset: oldest.chunk[0].offset }, 'a slow endpoint holds up the oldest chunk; attempting the ones after it beside it');
        }
      }
      const depth = oldest?.stalled && !oldest.attempted ? STALLED_PIPELINE_DEPTH : PIPELINE_DEPTH;
      while (inHand.length < depth && this.queue.length > 0 && !this.deps.isStopping()) {
        const generation = this.generation;
        const chunk = this.queue.splice(0, CHUNK_SIZE);
        if (this.queue.length < LOW_WATER) this.resume();
        const entry: InHand = { chunk, delivered: Promise.resolve(), settled: false, attempted: false, stalled: false, startedAt: Date.now(), generation };
        entry.delivered = this.deps.deliver(
          chunk,
          () => generation !== this.generation || this.deps.isStopping(),
          () => (entry.attempted = true),
        );
        // Awaited in order below; this only marks it settled (and keeps it from counting as unhandled).
        entry.delivered.then(
          () => (entry.settled = true),
          () => (entry.settled = true),
        );
        inHand.push(entry);
      }
      const head = inHand[0];
      if (!head) return;
      if (!head.settled && !head.attempted && inHand.length < STALLED_PIPELINE_DEPTH && !this.deps.isStopping()) {
        // Wait for the oldest chunk, but wake to start more beside it: when it may count as stalled
        // (and now and then after, as a call can be slow later), or once stalled, when messages arrive.
        const untilStalled = head.startedAt + stallMs - Date.now();
        await this.firstOf(head.delivered, head.stalled ? null : Math.max(untilStalled, Math.max(50, stallMs / 4)));
        if (!head.settled) continue;
      }
      inHand.shift();
      try {
        await head.delivered;
        await this.deps.commit((BigInt(head.chunk[head.chunk.length - 1].offset) + 1n).toString());
      } catch (err) {
        // Not "log and move on": nothing from this chunk on is committed, so it is attempted again
        // (the chunk after it too, even if it went through: a duplicate, never a loss).
        await Promise.allSettled(inHand.map((c) => c.delivered));
        this.deps.logger.warn({ err, topic: this.topic, partition: this.partition, offset: head.chunk[0].offset }, 'delivery chunk not committed; it will be attempted again');
        if (head.generation === this.generation && !this.deps.isStopping()) {
          // Still ours as far as we know: go back to this chunk. (After a reset the group already
          // restarts the partition from its committed offset, which is at or before this chunk.)
          this.queue = [];
          this.rewindTo = BigInt(head.chunk[0].offset);
          this.deps.seek(head.chunk[0].offset);
          this.resume();
        }
        // A pause before trying again, in case the database or broker is what failed.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        return;
      }
    }
  }

  /** Resolves when `delivered` settles, after `ms` (if given), or else when a batch is pushed. */
  private async firstOf(delivered: Promise<void>, ms: number | null): Promise<void> {
    let timer: NodeJS.Timeout | null = null;
    const woken = new Promise<void>((resolve) => {
      if (ms !== null) timer = setTimeout(resolve, ms);
      else this.wakeOnPush = resolve;
    });
    await Promise.race([delivered.catch(() => undefined), woken]);
    if (timer) clearTimeout(timer);
    this.wakeOnPush = null;
  }

  private wake(): void {
    const wake = this.wakeOnPush;
    this.wakeOnPush = null;
    wake?.();
  }

  private resume(): void {
    const resume = this.resumeFetching;
    this.resumeFetching = null;
    resume?.();
  }
}

import { EngineIo } from './engine-types';
import { PartitionWindow } from './partition-window';
import { OffsetRange } from './settled-offsets';

export interface PartitionState {
  readonly key: string;
  readonly topic: string;
  readonly partition: number;
  readonly window: PartitionWindow;
  /** Set when a rebalance took the partition away: its messages' outcomes no longer commit anything. */
  dropped: boolean;
  /** Reasons fetching is paused: the buffer bound, a retry tier's head not yet due. */
  readonly pausedFor: Set<'buffer' | 'not-due'>;
  cancelDueTimer: (() => void) | null;
  /**
   * Messages not yet taken that the partition's previous owner settled (its last commit said so):
   * taken as settled, never called. Lowest first; runs below what was taken are dropped as taking passes them.
   */
  settledElsewhere: OffsetRange[];
}

type FetchIo = Pick<EngineIo<unknown, unknown>, 'now' | 'setTimer' | 'pause' | 'resume' | 'seek'>;

/**
 * The engine's side of fetching: the partitions it holds messages of, the bytes it holds against the
 * buffer bound, and pausing a partition while the buffer is full or its retry tier's head is not due.
 */
export class FetchControl {
  readonly partitions = new Map<string, PartitionState>();
  private bufferedBytes = 0;
  private readonly bufferPaused = new Set<PartitionState>();

  constructor(
    private readonly io: FetchIo,
    private readonly maxBufferedBytes: number,
    private readonly stopping: () => boolean,
  ) {}

  get buffered(): number {
    return this.bufferedBytes;
  }

  overBound(): boolean {
    return this.bufferedBytes > this.maxBufferedBytes;
  }

  addBytes(bytes: number): void {
    this.bufferedBytes += bytes;
  }

  partitionState(topic: string, partition: number): PartitionState {
    const key = `${topic}/${partition}`;
    let state = this.partitions.get(key);
    if (!state) {
      state = { key, topic, partition, window: new PartitionWindow(), dropped: false, pausedFor: new Set(), cancelDueTimer: null, settledElsewhere: [] };
      this.partitions.set(key, state);
    }
    return state;
  }

  /** A rebalance took the partition away (or restarts it from its commit): forgotten, fetching no longer paused by it. */
  drop(state: PartitionState): void {
    state.dropped = true;
    state.cancelDueTimer?.();
    state.cancelDueTimer = null;
    this.partitions.delete(state.key);
    this.bufferPaused.delete(state);
    for (const reason of [...state.pausedFor]) this.release(state, reason);
  }

  /**
   * A retry tier's messages all wait the same time, so the partition is in due order: its first
   * message not yet due holds the rest. The partition pauses and, `leadMs` before that message is due,
   * its fetch position goes back to it and fetching resumes: the fetch in flight and the next one then
   * bring it in before it is due (the engine keeps it until then). Nothing sleeps, nothing polls.
   */
  holdUntilDue(state: PartitionState, held: { offset: string; dueAt: number }, leadMs: number): void {
    state.window.expectNext(BigInt(held.offset));
    this.pauseFor(state, 'not-due');
    state.cancelDueTimer?.();
    state.cancelDueTimer = this.io.setTimer(Math.max(0, held.dueAt - leadMs - this.io.now()), () => {
      state.cancelDueTimer = null;
      if (state.dropped || this.stopping()) return;
      this.io.seek(state.topic, state.partition, held.offset);
      this.release(state, 'not-due');
    });
  }

  /** Pauses again every partition held paused: the consumer may have forgotten (kafkajs restarts one with none). */
  pauseAgain(): void {
    for (const state of this.partitions.values()) if (state.pausedFor.size > 0) this.io.pause(state.topic, state.partition);
  }

  pauseForBuffer(state: PartitionState): void {
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

  freeBytes(bytes: number): void {
    this.bufferedBytes -= bytes;
    this.releaseBufferIfLow();
  }

  /** Resumes at half the bound, so fetching does not flap at the edge. */
  releaseBufferIfLow(): void {
    if (this.bufferPaused.size === 0 || this.bufferedBytes > this.maxBufferedBytes / 2) return;
    for (const state of this.bufferPaused) this.release(state, 'buffer');
    this.bufferPaused.clear();
  }
}

import { KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { CHUNK_SIZE, PartitionWorker, PartitionWorkerDeps, PIPELINE_DEPTH, STALLED_PIPELINE_DEPTH } from './partition-worker';

/** Deps that do nothing and never count a chunk as stalled; a test overrides what it watches. */
const quietDeps = (overrides: Partial<PartitionWorkerDeps>): PartitionWorkerDeps => ({
  deliver: async () => undefined,
  commit: async () => undefined,
  seek: () => undefined,
  isStopping: () => false,
  logger: { warn: () => undefined, info: () => undefined } as unknown as Logger,
  stallMs: 60_000,
  heldBySlowCalls: () => false,
  ...overrides,
});

const messages = (from: number, count: number): KafkaMessage[] =>
  Array.from({ length: count }, (_, i) => ({ offset: String(from + i) }) as KafkaMessage);

/** A worker whose deliveries and commits are scripted; records what it delivered, committed and sought. */
function harness(options: { failCommitAt?: string } = {}) {
  const delivered: string[] = [];
  const committed: string[] = [];
  const sought: string[] = [];
  let onDeliver: (() => void) | null = null;
  const worker = new PartitionWorker('t', 0, {
    deliver: async (chunk) => {
      delivered.push(...chunk.map((m) => m.offset));
      onDeliver?.();
    },
    commit: async (offset) => {
      if (offset === options.failCommitAt) throw new Error('ILLEGAL_GENERATION');
      committed.push(offset);
    },
    seek: (offset) => sought.push(offset),
    isStopping: () => false,
    logger: { warn: () => undefined, info: () => undefined } as unknown as Logger,
    stallMs: 60_000,
    heldBySlowCalls: () => false,
  });
  const noPause = () => () => undefined;
  return { worker, delivered, committed, sought, noPause, setOnDeliver: (f: () => void) => (onDeliver = f) };
}

describe('PartitionWorker', () => {
  it('should deliver in order and commit after each chunk', async () => {
    const h = harness();
    expect(h.worker.push(messages(0, CHUNK_SIZE * 2 + 5), h.noPause)).toBe(true);
    await h.worker.idle();
    expect(h.delivered).toEqual(messages(0, CHUNK_SIZE * 2 + 5).map((m) => m.offset));
    expect(h.committed).toEqual([String(CHUNK_SIZE), String(CHUNK_SIZE * 2), String(CHUNK_SIZE * 2 + 5)]);
  });

  it('should skip messages already queued when a batch overlaps the previous one', async () => {
    const h = harness();
    h.worker.push(messages(0, 10), h.noPause);
    h.worker.push(messages(5, 10), h.noPause);
    await h.worker.idle();
    await h.worker.idle();
    expect(h.delivered).toEqual(messages(0, 15).map((m) => m.offset));
  });

  it('should take batches with offset gaps (transaction markers take offsets)', async () => {
    const h = harness();
    h.worker.push(messages(0, 10), h.noPause);
    expect(h.worker.push(messages(11, 10), h.noPause)).toBe(true);
    await h.worker.idle();
    await h.worker.idle();
    expect(h.delivered).toEqual([...messages(0, 10), ...messages(11, 10)].map((m) => m.offset));
  });

  it('should go back to a chunk whose commit failed, refuse batches fetched past it, and take it again', async () => {
    const h = harness({ failCommitAt: String(CHUNK_SIZE * 2) });
    h.worker.push(messages(0, CHUNK_SIZE * 2), h.noPause);
    await h.worker.idle();
    expect(h.committed).toEqual([String(CHUNK_SIZE)]);
    expect(h.sought).toEqual([String(CHUNK_SIZE)]);
    // A batch fetched before the seek took effect starts past the chunk: not taken (so not resolved).
    expect(h.worker.push(messages(CHUNK_SIZE * 2, 10), h.noPause)).toBe(false);
    // The refetch from the sought offset is taken.
    expect(h.worker.push(messages(CHUNK_SIZE, 10), h.noPause)).toBe(true);
  });

  it('should leave the state alone when a rebalance reset happens while the failing chunk is in flight', async () => {
    const h = harness({ failCommitAt: String(CHUNK_SIZE) });
    h.setOnDeliver(() => h.worker.reset());
    h.worker.push(messages(0, CHUNK_SIZE), h.noPause);
    await h.worker.idle();
    expect(h.sought).toEqual([]);
    // After the reset the group hands out the partition from its committed offset: anything is taken.
    expect(h.worker.push(messages(0, 5), h.noPause)).toBe(true);
  });
});

describe('PartitionWorker beside a stalled chunk', () => {
  /** A worker whose first chunk hangs until released; every other chunk is delivered at once. */
  function stalledHead(stallMs: number, slowCalls = true) {
    const started: string[] = [];
    const committed: string[] = [];
    let release: () => void = () => undefined;
    const worker = new PartitionWorker(
      't',
      0,
      quietDeps({
        deliver: (chunk) => {
          started.push(chunk[0].offset);
          return chunk[0].offset === '0' ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
        },
        commit: async (offset) => void committed.push(offset),
        stallMs,
        heldBySlowCalls: () => slowCalls,
      }),
    );
    return { worker, started, committed, release: () => release() };
  }
  const chunkStarts = (n: number) => Array.from({ length: n }, (_, i) => String(i * CHUNK_SIZE));

  it('should keep PIPELINE_DEPTH chunks in hand before the oldest counts as stalled', async () => {
    const h = stalledHead(60_000);
    h.worker.push(messages(0, CHUNK_SIZE * 20), () => () => undefined);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.started).toEqual(chunkStarts(PIPELINE_DEPTH));
    h.release();
    await h.worker.idle();
  });

  it('should attempt up to STALLED_PIPELINE_DEPTH chunks beside a stalled one, commit none before it, then all in order', async () => {
    const h = stalledHead(20);
    h.worker.push(messages(0, CHUNK_SIZE * 20), () => () => undefined);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.started).toEqual(chunkStarts(STALLED_PIPELINE_DEPTH));
    expect(h.committed).toEqual([]);
    h.release();
    await h.worker.idle();
    expect(h.started).toEqual(chunkStarts(20));
    expect(h.committed).toEqual(Array.from({ length: 20 }, (_, i) => String((i + 1) * CHUNK_SIZE)));
  });

  it('should not start more chunks beside a slow one that no slow call holds up (calls waiting their turn)', async () => {
    const h = stalledHead(20, false);
    h.worker.push(messages(0, CHUNK_SIZE * 20), () => () => undefined);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.started).toEqual(chunkStarts(PIPELINE_DEPTH));
    h.release();
    await h.worker.idle();
    expect(h.committed).toHaveLength(20);
  });

  it('should not start more chunks while the oldest one only waits for its writes', async () => {
    const started: string[] = [];
    let release: () => void = () => undefined;
    const worker = new PartitionWorker(
      't',
      0,
      quietDeps({
        deliver: (chunk, _abandoned, attempted) => {
          started.push(chunk[0].offset);
          if (chunk[0].offset !== '0') return Promise.resolve();
          attempted(); // every call made; the outcomes cannot be written yet (database away)
          return new Promise<void>((resolve) => (release = resolve));
        },
        stallMs: 20,
        heldBySlowCalls: () => true,
      }),
    );
    worker.push(messages(0, CHUNK_SIZE * 20), () => () => undefined);
    await new Promise((r) => setTimeout(r, 200));
    expect(started).toEqual(chunkStarts(PIPELINE_DEPTH));
    release();
    await worker.idle();
    expect(started).toEqual(chunkStarts(20));
  });

  it('should start a batch pushed while the oldest chunk is stalled, without waiting for it', async () => {
    const h = stalledHead(20);
    h.worker.push(messages(0, CHUNK_SIZE), () => () => undefined);
    await new Promise((r) => setTimeout(r, 100));
    h.worker.push(messages(CHUNK_SIZE, 10), () => () => undefined);
    await new Promise((r) => setImmediate(r));
    expect(h.started).toEqual(['0', String(CHUNK_SIZE)]);
    h.release();
    await h.worker.idle();
    expect(h.committed).toEqual([String(CHUNK_SIZE), String(CHUNK_SIZE + 10)]);
  });
});

describe('PartitionWorker abandonment', () => {
  it.each([
    { what: 'a rebalance reset', reset: true, stopping: false },
    { what: 'the stream stopping', reset: false, stopping: true },
  ])('should tell the chunk in hand it is abandoned after $what, and only then', async ({ reset, stopping }) => {
    let abandoned: (() => boolean) | null = null;
    let release: () => void = () => undefined;
    let isStopping = false;
    const worker = new PartitionWorker(
      't',
      0,
      quietDeps({
        deliver: (_chunk, isAbandoned) => {
          abandoned = isAbandoned;
          return new Promise<void>((resolve) => (release = resolve));
        },
        isStopping: () => isStopping,
      }),
    );
    worker.push(messages(0, 5), () => () => undefined);
    await new Promise((r) => setImmediate(r));
    expect(abandoned!()).toBe(false);
    if (reset) worker.reset();
    if (stopping) isStopping = true;
    expect(abandoned!()).toBe(true);
    release();
    await worker.idle();
  });
});

describe('PartitionWorker pipelining', () => {
  it('should attempt the next chunk while the previous one is still being committed, and commit in order', async () => {
    const events: string[] = [];
    let releaseCommit: () => void = () => undefined;
    const worker = new PartitionWorker('t', 0, {
      deliver: async (chunk) => void events.push(`deliver ${chunk[0].offset}`),
      commit: (offset) => {
        events.push(`commit ${offset} started`);
        if (offset !== String(CHUNK_SIZE)) return Promise.resolve();
        // The first commit hangs until released: the second chunk must be attempted meanwhile.
        return new Promise<void>((resolve) => (releaseCommit = () => (events.push(`commit ${offset} done`), resolve())));
      },
      seek: () => undefined,
      isStopping: () => false,
      logger: { warn: () => undefined, info: () => undefined } as unknown as Logger,
      stallMs: 60_000,
      heldBySlowCalls: () => false,
    });
    worker.push(messages(0, CHUNK_SIZE * 2), () => () => undefined);
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual(['deliver 0', `deliver ${CHUNK_SIZE}`, `commit ${CHUNK_SIZE} started`]);
    releaseCommit();
    await worker.idle();
    expect(events).toEqual(['deliver 0', `deliver ${CHUNK_SIZE}`, `commit ${CHUNK_SIZE} started`, `commit ${CHUNK_SIZE} done`, `commit ${CHUNK_SIZE * 2} started`]);
  });

  it('should not commit the chunk after a failed one, and go back to the failed one', async () => {
    const committed: string[] = [];
    const sought: string[] = [];
    const worker = new PartitionWorker('t', 0, {
      deliver: async (chunk) => {
        if (chunk[0].offset === '0') throw new Error('database down');
      },
      commit: async (offset) => void committed.push(offset),
      seek: (offset) => sought.push(offset),
      isStopping: () => false,
      logger: { warn: () => undefined, info: () => undefined } as unknown as Logger,
      stallMs: 60_000,
      heldBySlowCalls: () => false,
    });
    worker.push(messages(0, CHUNK_SIZE * 2), () => () => undefined);
    await worker.idle();
    expect(committed).toEqual([]);
    expect(sought).toEqual(['0']);
  });
});

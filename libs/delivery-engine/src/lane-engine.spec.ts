import { EngineIo, EngineMessage, LaneEngine } from './lane-engine';

type Outcome = { offset: string; kind: 'called' | 'deferred' };

/** A hand-driven world: the test moves the clock and answers each call when it wants. */
function world() {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void; cancelled: boolean }> = [];
  const answers = new Map<string, (o: Outcome) => void>();
  const persisted: Outcome[] = [];
  const io: EngineIo<null, Outcome> = {
    now: () => now,
    setTimer: (ms, fn) => {
      const t = { at: now + ms, fn, cancelled: false };
      timers.push(t);
      return () => (t.cancelled = true);
    },
    admits: () => true,
    call: (m) => new Promise((resolve) => answers.set(m.offset, resolve)),
    defer: (m) => ({ offset: m.offset, kind: 'deferred' }),
    persist: async (outcomes) => void persisted.push(...outcomes),
    commit: async () => undefined,
    pause: () => undefined,
    resume: () => undefined,
    seek: () => undefined,
  };
  const flush = () => new Promise((r) => setImmediate(r));
  return {
    io,
    persisted,
    answers,
    /** Jumps the clock by `ms` at once and fires every timer due by then, as a loop turn after a block does. */
    async jump(ms: number) {
      now += ms;
      for (const t of timers.splice(0).filter((x) => !x.cancelled)) {
        if (t.at <= now) t.fn();
        else timers.push(t);
      }
      await flush();
    },
    flush,
  };
}

const message = (offset: number): EngineMessage<null> => ({ topic: 't', partition: 0, offset: String(offset), laneKey: 'ep', bytes: 100, dueAt: 0, payload: null });

describe('LaneEngine', () => {
  it('should not take a healthy endpoint for hanging when the event loop was blocked past the stall time', async () => {
    const w = world();
    const engine = new LaneEngine({ laneConcurrency: 2, maxInFlight: 10, stallMs: 1000, maxBufferedBytes: 1e6 }, w.io);
    engine.take('t', 0, [0, 1, 2, 3].map(message));
    await w.flush();
    expect([...w.answers.keys()]).toEqual(['0', '1']);
    // The loop is blocked for 2 s: when it turns again the stall timer fires before the answers,
    // already in the sockets, are read.
    await w.jump(2000);
    for (const [offset, answer] of [...w.answers]) {
      w.answers.delete(offset);
      answer({ offset, kind: 'called' });
    }
    await w.flush();
    await w.jump(600);
    expect(w.persisted.filter((o) => o.kind === 'deferred')).toEqual([]);
    expect([...w.answers.keys()].sort()).toEqual(['2']);
  });

  it('should defer the queue of an endpoint whose calls stay out past two looks', async () => {
    const w = world();
    const engine = new LaneEngine({ laneConcurrency: 2, maxInFlight: 10, stallMs: 1000, maxBufferedBytes: 1e6 }, w.io);
    engine.take('t', 0, [0, 1, 2, 3].map(message));
    await w.flush();
    for (let i = 0; i < 6; i++) await w.jump(500);
    expect(w.persisted.filter((o) => o.kind === 'deferred').map((o) => o.offset)).toEqual(['2', '3']);
    expect(engine.stats().slotsUsed).toBe(0);
  });
});

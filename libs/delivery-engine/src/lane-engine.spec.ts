import { EngineIo, EngineMessage, LaneEngine, LaneRules, NO_RULES } from './lane-engine';

type Outcome = { offset: string; kind: 'called' | 'deferred' | 'parked'; reason?: string };

/** A hand-driven world: the test moves the clock and answers each call when it wants. */
function world(rules: LaneRules = NO_RULES) {
  let now = 0;
  const callStarts: Array<{ offset: string; at: number }> = [];
  const timers: Array<{ at: number; fn: () => void; cancelled: boolean }> = [];
  const answers = new Map<string, (o: Outcome) => void>();
  const persisted: Outcome[] = [];
  const commits: Array<{ at: number; offsets: string[] }> = [];
  /** Every commit point as partition@offset. */
  const commitPoints: string[] = [];
  /** Every commit as partition@offset and the runs it named settled above, e.g. `0@1 2-3,5-5`. */
  const commitsWithSettled: string[] = [];
  const io: EngineIo<null, Outcome> = {
    now: () => now,
    setTimer: (ms, fn) => {
      const t = { at: now + ms, fn, cancelled: false };
      timers.push(t);
      return () => (t.cancelled = true);
    },
    admits: () => true,
    call: (m) => {
      callStarts.push({ offset: m.offset, at: now });
      return new Promise((resolve) => answers.set(m.offset, resolve));
    },
    defer: (m, reason) => ({ offset: m.offset, kind: 'deferred', reason }),
    rules: async () => rules,
    park: (m) => ({ offset: m.offset, kind: 'parked' }),
    persist: async (outcomes) => void persisted.push(...outcomes),
    commit: async (offsets) => {
      commits.push({ at: now, offsets: offsets.map((o) => o.offset) });
      commitPoints.push(...offsets.map((o) => `${o.partition}@${o.offset}`));
      commitsWithSettled.push(...offsets.map((o) => `${o.partition}@${o.offset} ${o.settledAbove.map((r) => `${r.from}-${r.to}`).join(',')}`.trim()));
    },
    pause: () => undefined,
    resume: () => undefined,
    seek: () => undefined,
  };
  const flush = () => new Promise((r) => setImmediate(r));
  return {
    io,
    persisted,
    commits,
    commitPoints,
    commitsWithSettled,
    answers,
    callStarts,
    /** Answers every call out with success. */
    answerAll() {
      for (const [offset, answer] of [...answers]) {
        answers.delete(offset);
        answer({ offset, kind: 'called' });
      }
    },
    /** Answers one call with success and lets the engine settle it. */
    async answerOne(offset: string) {
      answers.get(offset)?.({ offset, kind: 'called' });
      answers.delete(offset);
      await flush();
    },
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
    // The block was not the endpoint's: its answers count as quick, so its limit stays at two calls.
    expect([...w.answers.keys()].sort()).toEqual(['2', '3']);
  });

  it('should not take a healthy endpoint for hanging while its own process runs late turn after turn', async () => {
    const w = world();
    const engine = new LaneEngine({ laneConcurrency: 2, maxInFlight: 10, stallMs: 1000, maxBufferedBytes: 1e6 }, w.io);
    engine.take('t', 0, [0, 1, 2, 3, 4, 5].map(message));
    await w.flush();
    // A starved process (CI's in-process stack at a load of 10-25): each loop turn comes 1.5 s after the last,
    // though the stall watch was due after 0.5 s, and an answer is read the turn after its request was handled.
    for (let cycle = 0; cycle < 6; cycle++) {
      await w.jump(1500);
      await w.jump(1500);
      w.answerAll();
      await w.flush();
    }
    expect(w.persisted.filter((o) => o.kind === 'deferred')).toEqual([]);
    expect(w.persisted.map((o) => o.offset).sort()).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(engine.stats().queued).toBe(0);
  });

  describe('a retry tier', () => {
    const tierMessage = (offset: number, dueAt: number): EngineMessage<null> => ({ ...message(offset), topic: 'retry.2s', dueAt });
    const options = { laneConcurrency: 10, maxInFlight: 10, stallMs: 10_000, maxBufferedBytes: 1e6, holdAheadMs: 1_000 };

    it.each([
      // [due times of the batch, ms]: called in offset order (a strict endpoint's), none before it is due,
      // without fetching it again.
      [[200, 300, 500], ['0@200', '1@300', '2@500']],
      [[300, 200, 500], ['0@300', '1@300', '2@500']],
      [[0, 900, 100], ['0@0', '1@900', '2@900']],
    ])('should call messages due within the hold-ahead when due, in offset order, from memory (%j)', async (dueTimes, expected) => {
      const w = world();
      const seeks: string[] = [];
      w.io.seek = (_topic, _partition, offset) => void seeks.push(offset);
      const engine = new LaneEngine(options, w.io);
      const taken = engine.take('retry.2s', 0, dueTimes.map((due, i) => tierMessage(i, due)));
      expect(taken).toBe(String(dueTimes.length - 1));
      for (let ms = 0; ms < 1_000; ms += 50) {
        await w.jump(ms === 0 ? 0 : 50);
        w.answerAll();
      }
      expect(w.callStarts.map((c) => `${c.offset}@${c.at}`)).toEqual(expected);
      expect(seeks).toEqual([]);
    });

    it('should give back a message due beyond the hold-ahead, and everything after it, and fetch it again half the hold-ahead before it is due', async () => {
      const w = world();
      const seeks: string[] = [];
      w.io.seek = (_topic, _partition, offset) => void seeks.push(offset);
      const engine = new LaneEngine(options, w.io);
      expect(engine.take('retry.2s', 0, [tierMessage(0, 500), tierMessage(1, 2_000), tierMessage(2, 2_100)])).toBe('0');
      await w.jump(500);
      w.answerAll();
      expect(w.callStarts).toEqual([{ offset: '0', at: 500 }]);
      await w.jump(999);
      expect(seeks).toEqual([]);
      await w.jump(1);
      expect(seeks).toEqual(['1']);
      // The fetch after the seek: both kept, each called when due.
      expect(engine.take('retry.2s', 0, [tierMessage(1, 2_000), tierMessage(2, 2_100)])).toBe('2');
      for (let i = 0; i < 6; i++) {
        await w.jump(100);
        w.answerAll();
      }
      expect(w.callStarts.map((c) => `${c.offset}@${c.at}`)).toEqual(['0@500', '1@2000', '2@2100']);
    });

    it('should drop the messages it holds when the partition is taken away, calling none of them', async () => {
      const w = world();
      const engine = new LaneEngine(options, w.io);
      engine.take('retry.2s', 0, [tierMessage(0, 500), tierMessage(1, 600)]);
      expect(engine.stats().bufferedBytes).toBe(200);
      engine.reset();
      await w.jump(1_000);
      expect(w.callStarts).toEqual([]);
      expect(engine.stats().bufferedBytes).toBe(0);
    });
  });

  describe('a rebalance', () => {
    const options = { laneConcurrency: 2, maxInFlight: 10, stallMs: 10_000, maxBufferedBytes: 1e6 };
    const onPartition = (partition: number) => (offset: number): EngineMessage<null> => ({ ...message(offset), partition, laneKey: `ep${partition}` });

    it('should let a kept partition commit its calls out, and skip what is fetched again from its commit', async () => {
      const w = world();
      const engine = new LaneEngine(options, w.io);
      engine.take('t', 0, [0, 1, 2].map(onPartition(0)));
      engine.take('t', 1, [10, 11].map(onPartition(1))); // offsets apart: the world answers calls by offset
      await w.flush();
      expect(w.callStarts.map((c) => c.offset)).toEqual(['0', '1', '10', '11']);
      // Partition 1 goes to another member, partition 0 stays.
      engine.reset((_topic, partition) => partition === 1);
      // The group restarts the kept partition from its committed offset (nothing committed yet).
      expect(engine.take('t', 0, [0, 1, 2].map(onPartition(0)))).toBe('2');
      w.answerAll();
      await w.flush();
      await w.flush();
      // Offset 2 was queued behind the lane's two calls, and is called once, not again.
      w.answerAll();
      await w.flush();
      await w.flush();
      expect(w.callStarts.map((c) => c.offset)).toEqual(['0', '1', '10', '11', '2']);
      // The kept partition commits past all three; nothing of the lost one commits (its next owner starts from its commit).
      expect(w.commitPoints.at(-1)).toBe('0@3');
      expect(w.commitPoints.filter((point) => point.startsWith('1@'))).toEqual([]);
      expect(engine.stats().bufferedBytes).toBe(0);
    });
  });

  describe("a partition's next owner (decision 0025)", () => {
    const options = { laneConcurrency: 2, maxInFlight: 10, stallMs: 10_000, maxBufferedBytes: 1e6 };
    const onLane = (laneKey: string) => (offset: number): EngineMessage<null> => ({ ...message(offset), laneKey });

    it('should commit, at a commit point held by a call out, the runs above it that settled', async () => {
      const w = world();
      const engine = new LaneEngine(options, w.io);
      engine.take('t', 0, [onLane('slow')(0), ...[1, 2].map(onLane('fast')), onLane('slow')(3), onLane('fast')(5)]);
      await w.flush();
      for (const offset of ['1', '2', '5']) await w.answerOne(offset);
      await w.flush();
      // 0 and 3 are out (the slow lane): the point stays at 0, and the commit names 1-2 and 5 settled.
      expect(w.commitsWithSettled.at(-1)).toBe('0@0 1-2,5-5');
      await w.answerOne('0');
      await w.answerOne('3');
      await w.flush();
      expect(w.commitsWithSettled.at(-1)).toBe('0@6');
    });

    it('should take what the previous owner settled as settled, call the rest, and commit past both', async () => {
      const w = world();
      const engine = new LaneEngine(options, w.io);
      engine.adopt('t', 0, [{ from: 1n, to: 2n }, { from: 5n, to: 5n }]);
      expect(engine.take('t', 0, [0, 1, 2, 3, 5].map(onLane('ep')))).toBe('5');
      await w.flush();
      expect(w.callStarts.map((c) => c.offset)).toEqual(['0', '3']);
      w.answerAll();
      await w.flush();
      await w.flush();
      expect(w.commitPoints.at(-1)).toBe('0@6');
      expect(w.callStarts.map((c) => c.offset)).toEqual(['0', '3']);
    });

    it('should pass on what the previous owner settled beyond what it has taken, while its own calls hold the point', async () => {
      const w = world();
      const engine = new LaneEngine(options, w.io);
      engine.adopt('t', 0, [{ from: 1n, to: 1n }, { from: 8n, to: 9n }]);
      engine.take('t', 0, [0, 1, 2].map(onLane('ep')));
      await w.flush();
      await w.answerOne('2');
      await w.flush();
      // 0 is out; 1 was settled before, 2 now; 8-9 not fetched yet but still settled: the commit names all of them.
      expect(w.commitsWithSettled.at(-1)).toBe('0@0 1-2,8-9');
    });

    it('should ignore the previous owner for a partition it still holds (what it has in hand is newer)', async () => {
      const w = world();
      const engine = new LaneEngine(options, w.io);
      engine.take('t', 0, [0].map(onLane('ep')));
      engine.adopt('t', 0, [{ from: 1n, to: 2n }]);
      engine.take('t', 0, [1, 2].map(onLane('other')));
      await w.flush();
      expect(w.callStarts.map((c) => c.offset)).toEqual(['0', '1', '2']);
    });
  });

  it('should have work in hand from a take until every message is answered, and none before or after (the fetch wait follows it, 0027)', async () => {
    const w = world();
    const engine = new LaneEngine({ laneConcurrency: 1, maxInFlight: 10, stallMs: 10_000, maxBufferedBytes: 1e6 }, w.io);
    expect(engine.hasWorkInHand()).toBe(false);
    engine.take('t', 0, [0, 1].map(message));
    await w.flush();
    expect(engine.hasWorkInHand()).toBe(true); // one call out, one queued behind it
    await w.answerOne('0');
    expect(engine.hasWorkInHand()).toBe(true);
    await w.answerOne('1');
    expect(engine.hasWorkInHand()).toBe(false);
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

  it('should start offset commits at most once per commit interval, each with the latest point', async () => {
    const w = world();
    new LaneEngine({ laneConcurrency: 10, maxInFlight: 10, stallMs: 10_000, maxBufferedBytes: 1e6, commitIntervalMs: 100 }, w.io).take('t', 0, [0, 1, 2, 3, 4].map(message));
    await w.flush();
    const answer = (offset: string) => w.answerOne(offset);
    await answer('0');
    for (const offset of ['1', '2']) {
      await w.jump(10);
      await answer(offset);
    }
    expect(w.commits).toEqual([{ at: 0, offsets: ['1'] }]); // the first at once, the next wait for the interval
    await w.jump(80);
    expect(w.commits).toEqual([{ at: 0, offsets: ['1'] }, { at: 100, offsets: ['3'] }]);
    await answer('3');
    await answer('4');
    await w.jump(100);
    expect(w.commits.map((c) => c.offsets[0])).toEqual(['1', '3', '5']);
    expect(w.persisted.map((o) => o.offset)).toEqual(['0', '1', '2', '3', '4']); // outcomes are not held back, only commits
  });

  it('should start rounds of outcomes at most once per persist interval, and commit only what they made durable', async () => {
    const w = world();
    new LaneEngine({ laneConcurrency: 10, maxInFlight: 10, stallMs: 10_000, maxBufferedBytes: 1e6, persistIntervalMs: 50 }, w.io).take('t', 0, [0, 1, 2].map(message));
    await w.flush();
    const answer = (offset: string) => w.answerOne(offset);
    await answer('0');
    await w.jump(10);
    await answer('1');
    await answer('2');
    expect(w.persisted.map((o) => o.offset)).toEqual(['0']); // the first round at once, the next waits
    expect(w.commits.map((c) => c.offsets[0])).toEqual(['1']);
    await w.jump(40);
    expect(w.persisted.map((o) => o.offset)).toEqual(['0', '1', '2']); // one round for both
    expect(w.commits.map((c) => c.offsets[0])).toEqual(['1', '3']);
  });

  describe('rate limit', () => {
    const options = { laneConcurrency: 10, maxInFlight: 100, stallMs: 1000, maxBufferedBytes: 1e6, rateQueueSeconds: 10 };

    it('should start no more than the limit in any second, spread one per 1/limit s, none in the first second after a start, and not call the wait an attempt', async () => {
      const w = world({ ratePerSecond: 3, strict: false });
      const engine = new LaneEngine(options, w.io);
      engine.take('t', 0, [0, 1, 2, 3, 4, 5, 6].map(message));
      await w.flush();
      expect(w.callStarts).toEqual([]);
      expect(engine.stats().rateWaiting).toBe(7);
      for (let t = 0; t < 40; t++) {
        await w.jump(100);
        w.answerAll();
        await w.flush();
      }
      // Due every 350 ms (1/3 s + 5 %); the hand-driven clock moves in steps of 100 ms.
      expect(w.callStarts.map((c) => c.at)).toEqual([1000, 1400, 1800, 2200, 2600, 3000, 3400]);
      expect(w.persisted.filter((o) => o.kind === 'deferred')).toEqual([]);
    });

    it('should defer to a retry tier what would wait longer than rateQueueSeconds', async () => {
      const w = world({ ratePerSecond: 1, strict: false });
      const engine = new LaneEngine({ ...options, rateQueueSeconds: 3 }, w.io);
      engine.take('t', 0, [0, 1].map(message));
      await w.flush();
      engine.take('t', 0, [2, 3, 4].map(message));
      await w.flush();
      expect(w.persisted.filter((o) => o.kind === 'deferred')).toEqual([{ offset: '3', kind: 'deferred', reason: 'rate_limited' }, { offset: '4', kind: 'deferred', reason: 'rate_limited' }]);
    });

    it('should keep a lane without a limit unpaced', async () => {
      const w = world();
      const engine = new LaneEngine(options, w.io);
      engine.take('t', 0, [0, 1, 2].map(message));
      await w.flush();
      expect(w.callStarts.map((c) => c.at)).toEqual([0, 0]);
    });
  });

  describe('strict ordering', () => {
    it('should call nothing and park every message in the order received, including those that came before the rules were known', async () => {
      const w = world({ ratePerSecond: null, strict: true });
      const engine = new LaneEngine({ laneConcurrency: 10, maxInFlight: 100, stallMs: 1000, maxBufferedBytes: 1e6 }, w.io);
      engine.take('t', 0, [0, 1, 2].map(message));
      engine.take('t', 0, [3, 4].map(message));
      await w.flush();
      engine.take('t', 0, [5].map(message));
      await w.flush();
      expect(w.callStarts).toEqual([]);
      expect(w.persisted.map((o) => `${o.kind}:${o.offset}`)).toEqual(['parked:0', 'parked:1', 'parked:2', 'parked:3', 'parked:4', 'parked:5']);
    });
  });
});

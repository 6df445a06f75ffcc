import { SimulatedWorld } from './simulated-world';

/**
 * Deterministic simulation of the lane engine: each seed builds a world (partitions, endpoints
 * healthy/slow/dead/flapping/unknown, a store and broker that go away, rebalances that keep some partitions,
 * some by a consumer that forgot its pauses, restarts) and
 * runs a random schedule against it; the world checks the invariants as it goes (no commit past
 * an outcome that is not durable, one answered call per message and owner (a kept partition keeps
 * its owner), no batch refused without its partition paused, no call before due,
 * the buffer bound, no more calls to a rate-limited endpoint in any second than its limit whatever
 * the restarts and rebalances, a strict endpoint never called but parked in the order received) and, once faults end, that every partition commits to its end.
 *
 *   SIMULATION_SEED=123 npm test -- unit lane-engine.simulation      replay one seed
 *   SIMULATION_SEEDS=20000 npm test -- unit lane-engine.simulation   the long run
 */
/**
 * Seeds that once broke an invariant, kept in every run:
 * - 10373 (long run): rebalances let every partition take a batch again while old calls still held
 *   their bytes, so the buffer went past its bound; now nothing is taken while over it.
 * - 2: a partition kept across a rebalance by a consumer kafkajs had restarted (which forgets every pause)
 *   stayed paused in the engine only, so every batch was refused and fetched again at once; now the
 *   engine pauses what it keeps paused again.
 */
const REGRESSION_SEEDS = [10373, 2];
const oneSeed = process.env.SIMULATION_SEED;
const seeds = oneSeed ? [Number(oneSeed)] : [...REGRESSION_SEEDS, ...Array.from({ length: Number(process.env.SIMULATION_SEEDS ?? 1000) }, (_, i) => i + 1)];
const STEPS = Number(process.env.SIMULATION_STEPS ?? 150);

describe('lane engine simulation', () => {
  it(`should hold every invariant for ${seeds.length} seeds of ${STEPS} steps`, async () => {
    let calls = 0;
    let deferrals = 0;
    let parked = 0;
    let rateLimitedWaits = 0;
    let rebalances = 0;
    let restarts = 0;
    for (const seed of seeds) {
      const report = await new SimulatedWorld({ seed, steps: STEPS }).run();
      calls += report.calls;
      deferrals += report.deferrals;
      parked += report.parked;
      rateLimitedWaits += report.rateLimitedWaits;
      rebalances += report.rebalances;
      restarts += report.restarts;
    }
    // The schedules must really exercise the faults, or the run proves nothing.
    expect(calls).toBeGreaterThan(seeds.length);
    if (!oneSeed) {
      expect(deferrals).toBeGreaterThan(0);
      expect(parked).toBeGreaterThan(0);
      expect(rateLimitedWaits).toBeGreaterThan(0);
      expect(rebalances).toBeGreaterThan(0);
      expect(restarts).toBeGreaterThan(0);
    }
  }, 600_000);
});

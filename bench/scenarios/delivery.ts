/*
 * End-to-end scenarios: events published to the domain topics, the built services as separate
 * processes (bench/support/pipeline.ts), and a local receiver in this process that keeps the ledger.
 */
import { EVENT_TYPES, Pipeline, drain, publishClosedLoop, publishOpenLoop } from '../support/pipeline';
import { BenchReceiver, ReceiverBehaviour } from '../support/receiver';
import { scrapeStages, stageBudget } from '../support/stage-budget';
import { Result, log, progress, round } from '../support/result';
import { busyPercent, machineCpu, ProcessCpu, StackCpu } from '../support/cpu-usage';

/** Seconds without a new receipt after which a drain gives up and reports the rest missing. */
const STALL_SECONDS = 30;

interface Setup {
  instances: number;
  settings?: Record<string, string>;
  receiver?: ReceiverBehaviour;
}

/** Runs `body` against a fresh pipeline and receiver, and always stops both. */
/** The stack's CPU-seconds (services, Kafka, PostgreSQL) per 1,000 deliveries since `cpu` started. */
const cpuPer1000 = (cpu: StackCpu, deliveries: number): number => round((1000 * cpu.read().cpuSeconds) / Math.max(1, deliveries), 2);

async function withPipeline<T>(setup: Setup, body: (pipeline: Pipeline, receiver: BenchReceiver) => Promise<T>): Promise<T> {
  const receiver = await new BenchReceiver(setup.receiver).start();
  const pipeline = await new Pipeline({ deliveryInstances: setup.instances, env: setup.settings }).start();
  try {
    return await body(pipeline, receiver);
  } finally {
    await pipeline.stop();
    await receiver.stop();
  }
}

/** `paths` endpoints of one organization, all subscribed to every event type (`fields`: more of the endpoint body). */
async function endpoints(pipeline: Pipeline, receiver: BenchReceiver, count: number, fields: Record<string, unknown> = {}): Promise<{ orgId: string; paths: string[] }> {
  const org = await pipeline.organization();
  const paths = Array.from({ length: count }, (_, i) => `/e${i}`);
  for (const p of paths) await pipeline.endpoint(org.apiKey, receiver.url(p), ['*'], fields);
  return { orgId: org.id, paths };
}

/**
 * A closed-loop burst after a warm-up burst, both drained: deliveries/s of each, and the measured
 * burst's seconds from publishing to the last receipt. Every event of both is in `ids`.
 */
async function closedLoopPhases(pipeline: Pipeline, receiver: BenchReceiver, orgId: string, paths: readonly string[], events: number, warmupEvents: number) {
  const ids: string[] = [];
  const phase = async (what: string, count: number): Promise<number> => {
    const before = receiver.distinct();
    const t0 = Date.now();
    ids.push(...(await publishClosedLoop(pipeline.producer, orgId, count, EVENT_TYPES)));
    const expected = ids.length * paths.length;
    await drain(() => receiver.distinct(), expected, STALL_SECONDS * 1000, progress(`${what} deliveries`, expected));
    const seconds = (Math.max(...receiver.lastReceiptByPath.values()) - t0) / 1000;
    return (receiver.distinct() - before) / seconds;
  };
  const cold = await phase('warm-up', warmupEvents);
  const t0 = Date.now();
  const cpu = StackCpu.start();
  const processCpu = startProcessCpu(pipeline);
  const deliveredBefore = receiver.distinct();
  const perSecond = await phase('measured', events);
  const stackCpuSecondsPer1000 = cpuPer1000(cpu, receiver.distinct() - deliveredBefore);
  const coresByProcess = processCpu.read();
  return { ids, cold, perSecond, stackCpuSecondsPer1000, coresByProcess, seconds: round((Math.max(...receiver.lastReceiptByPath.values()) - t0) / 1000) };
}

const everyPath = (paths: readonly string[], ids: readonly string[]) => new Map(paths.map((p) => [p, ids]));

/** Where the stack's CPU goes: the broker, PostgreSQL, each service, and this process (load generator and receiver). */
const startProcessCpu = (pipeline: Pipeline): ProcessCpu =>
  ProcessCpu.start([...pipeline.services.map((s) => ({ name: `${s.name}:${s.port}`, pid: s.pid ?? 0 })), { name: 'bench', pid: process.pid }]);

const rss = (pipeline: Pipeline) => Object.fromEntries(pipeline.services.map((s) => [`${s.name}:${s.port}`, Math.round(s.peakRssMb)]));

/**
 * Deliveries/s to a fast receiver: 3,000 events x 10 endpoints, closed loop, after a warm-up of
 * 1,000 x 10 drained first (fresh services run their first seconds cold, as in `latency`). The
 * warm-up's own rate is reported as `coldDeliveriesPerSecond`. Both phases are in the ledger.
 */
export async function throughput(instances: number, events = 3000, warmupEvents = 1000): Promise<Result> {
  return withPipeline({ instances }, async (pipeline, receiver) => {
    const { orgId, paths } = await endpoints(pipeline, receiver, 10);
    const { ids, cold, perSecond, seconds, stackCpuSecondsPer1000, coresByProcess } = await closedLoopPhases(pipeline, receiver, orgId, paths, events, warmupEvents);
    return {
      scenario: `throughput-${instances}`,
      summary: `deliveries/s to a fast receiver, ${instances} delivery instance(s), ${events} events x 10 endpoints published at once after a warm-up of ${warmupEvents} x 10 (cold* = the warm-up); stack CPU: the machine less the load generator and receiver; coresByProcess: cores of the broker (kafkaJit: the part its JIT compilers used), PostgreSQL, each service and the bench (load generator + receiver) in the measured phase`,
      ledger: receiver.ledger(everyPath(paths, ids)),
      metrics: {
        deliveriesPerSecond: Math.round(perSecond),
        seconds,
        coldDeliveriesPerSecond: Math.round(cold),
        stackCpuSecondsPer1000,
        coresByProcess,
        peakRssMb: rss(pipeline),
      },
    };
  });
}

/**
 * `burst-2` (issue #21): a burst to few endpoints, where the spread over partitions cannot help:
 * 10,000 events x 2 endpoints (both subscribed to everything), closed loop, after 1,000 x 2 drained.
 */
export async function burst(endpointCount = 2, events = 10_000, warmupEvents = 1000): Promise<Result> {
  return withPipeline({ instances: 1 }, async (pipeline, receiver) => {
    const { orgId, paths } = await endpoints(pipeline, receiver, endpointCount);
    const { ids, cold, perSecond, seconds, stackCpuSecondsPer1000, coresByProcess } = await closedLoopPhases(pipeline, receiver, orgId, paths, events, warmupEvents);
    return {
      scenario: `burst-${endpointCount}`,
      summary: `deliveries/s to a fast receiver, 1 delivery instance, ${events} events x ${endpointCount} endpoints published at once after a warm-up of ${warmupEvents} x ${endpointCount}; coresByProcess: cores of the broker (kafkaJit: the part its JIT compilers used), PostgreSQL, each service and the bench (load generator + receiver) in the measured phase`,
      ledger: receiver.ledger(everyPath(paths, ids)),
      metrics: { deliveriesPerSecond: Math.round(perSecond), seconds, coldDeliveriesPerSecond: Math.round(cold), stackCpuSecondsPer1000, coresByProcess },
    };
  });
}

/**
 * The cost of SPEC §10's delivery rules: the throughput scenario's burst (10 endpoints, one delivery
 * instance) with no rule, with a rate limit on every endpoint that never binds (10,000/s: the cost
 * of the pacing itself), and with every endpoint strict (its queue in PostgreSQL, one call at a time).
 */
export async function pacing(rule: 'none' | 'rate-limit' | 'strict', events = 1000, warmupEvents = 300): Promise<Result> {
  return withPipeline({ instances: 1 }, async (pipeline, receiver) => {
    const fields = rule === 'rate-limit' ? { rateLimitPerSecond: 10_000 } : rule === 'strict' ? { ordering: 'strict' } : {};
    const { orgId, paths } = await endpoints(pipeline, receiver, 10, fields);
    const { ids, cold, perSecond, seconds, stackCpuSecondsPer1000, coresByProcess } = await closedLoopPhases(pipeline, receiver, orgId, paths, events, warmupEvents);
    return {
      scenario: `pacing-${rule}`,
      summary: `deliveries/s to a fast receiver, 1 delivery instance, ${events} events x 10 endpoints ${rule === 'none' ? 'with no rule' : rule === 'rate-limit' ? 'each limited to 10,000/s (never binding)' : 'each with strict ordering'}, after a warm-up of ${warmupEvents} x 10; coresByProcess: cores of the broker (kafkaJit: the part its JIT compilers used), PostgreSQL, each service and the bench (load generator + receiver) in the measured phase`,
      ledger: receiver.ledger(everyPath(paths, ids)),
      metrics: { deliveriesPerSecond: Math.round(perSecond), seconds, coldDeliveriesPerSecond: Math.round(cold), stackCpuSecondsPer1000, coresByProcess, peakRssMb: rss(pipeline) },
    };
  });
}

/**
 * Open-loop latency at a fixed event rate, fan-out 1 (one endpoint per event type).
 *
 * The services are started fresh for every scenario, so their first seconds under load run cold
 * code (JIT, connection pools, caches) in every process, the load generator and receiver
 * included: with no warm-up the first 3-4 s came ~1 s late at 1,000 events/s while the rest stayed
 * under 200 ms (attempts table, per 250 ms of scheduled time), and the cold start alone set the
 * p99. So `warmupSeconds` of the same load run first and are drained; the reported percentiles are
 * the steady state after them, and the warm-up's own p99 and max are reported beside them
 * (`coldP99ms`, `coldMaxMs`) so the cold start stays visible. Every event of both phases is in the ledger.
 */
export async function latency(rate: number, seconds = 15, warmupSeconds = 5, shape: 'endpoint-per-type' | 'one-endpoint' = 'endpoint-per-type'): Promise<Result> {
  return withPipeline({ instances: 1 }, async (pipeline, receiver) => {
    const org = await pipeline.organization();
    // one-endpoint: one organization's every event to one endpoint, so one domain partition per type and one deliveries partition.
    const pathOf = (type: string) => (shape === 'one-endpoint' ? '/all' : `/${type}`);
    if (shape === 'one-endpoint') await pipeline.endpoint(org.apiKey, receiver.url('/all'), ['*']);
    else for (const type of EVENT_TYPES) await pipeline.endpoint(org.apiKey, receiver.url(`/${type}`), [type]);
    const byPath = new Map<string, string[]>(EVENT_TYPES.map((type) => [pathOf(type), []]));
    const phase = async (what: string, phaseSeconds: number): Promise<void> => {
      log(`  ${what}: publishing ${rate} events/s for ${phaseSeconds} s`);
      const ids = await publishOpenLoop(pipeline.producer, org.id, rate, phaseSeconds, EVENT_TYPES);
      // Event i of a phase went to the endpoint of type i mod n (publishOpenLoop rotates the types).
      ids.forEach((id, i) => byPath.get(pathOf(EVENT_TYPES[i % EVENT_TYPES.length]))?.push(id));
      const expected = [...byPath.values()].reduce((n, p) => n + p.length, 0);
      await drain(() => receiver.distinct(), expected, STALL_SECONDS * 1000, progress('deliveries', expected));
    };
    await phase('warm-up', warmupSeconds);
    const cold = { p99ms: receiver.latency.getValueAtPercentile(99), maxMs: receiver.latency.maxValue };
    receiver.latency.reset();
    const staged = [...pipeline.fanoutServices(), ...pipeline.deliveryServices()];
    const stagesBefore = await scrapeStages(staged);
    const cpu = StackCpu.start();
    const processCpu = startProcessCpu(pipeline);
    const deliveredBefore = receiver.distinct();
    await phase('measured', seconds);
    const cost = cpu.read();
    const coresByProcess = processCpu.read();
    const stages = stageBudget(stagesBefore, await scrapeStages(staged));
    const h = receiver.latency;
    return {
      scenario: shape === 'one-endpoint' ? `latency-one-endpoint-${rate}` : `latency-${rate}`,
      summary:
        `event scheduled time -> receipt, open loop at ${rate} events/s for ${seconds} s after a ${warmupSeconds} s warm-up at the same rate (cold* = the warm-up, services just started), fan-out 1${shape === 'one-endpoint' ? ', every event of one organization to one endpoint' : ''}; ` +
        'stagesMs: the budget per stage of the measured phase (webhooks_pipeline_stage_seconds, p50/p99 interpolated in its buckets); stack CPU: the machine less the load generator and receiver; coresByProcess: cores of the broker (kafkaJit: the part its JIT compilers used), PostgreSQL, each service and the bench (load generator + receiver) in the measured phase',
      ledger: receiver.ledger(byPath),
      metrics: {
        rate,
        p50ms: h.getValueAtPercentile(50),
        p90ms: h.getValueAtPercentile(90),
        p99ms: h.getValueAtPercentile(99),
        maxMs: h.maxValue,
        coldP99ms: cold.p99ms,
        coldMaxMs: cold.maxMs,
        stackCores: round(cost.cores, 3),
        stackCpuSecondsPer1000: round((1000 * cost.cpuSeconds) / Math.max(1, receiver.distinct() - deliveredBefore), 2),
        coresByProcess,
        stagesMs: stages,
      },
    };
  });
}

/**
 * Healthy endpoints each receiving the same 1,000 events, in a run alone and in a run beside one
 * more endpoint that never answers: the healthy ones' completion time with it over without it.
 * `isolation` (issue #7): 10 healthy + 1 dead, ~10 % of the endpoints timing out, so the dead one
 * very likely shares a partition with a healthy one. `isolation-1` (issue #5): 1 healthy + 1 dead.
 */
export async function isolation(healthyCount: number): Promise<Result> {
  const healthy = Array.from({ length: healthyCount }, (_, i) => `/healthy${i}`);
  const runOnce = (withDead: boolean) =>
    withPipeline({ instances: 1, receiver: { deadPaths: new Set(['/dead']) } }, async (pipeline, receiver) => {
      const org = await pipeline.organization();
      for (const p of healthy) await pipeline.endpoint(org.apiKey, receiver.url(p), ['order.new']);
      if (withDead) await pipeline.endpoint(org.apiKey, receiver.url('/dead'), ['order.new']);
      const t0 = Date.now();
      const cpu = StackCpu.start();
      const ids = await publishClosedLoop(pipeline.producer, org.id, 1000, ['order.new']);
      await drain(() => receiver.distinct(healthy), ids.length * healthy.length, STALL_SECONDS * 1000, progress(withDead ? 'healthy (dead present)' : 'healthy (alone)', ids.length * healthy.length));
      const seconds = (Math.max(...healthy.map((p) => receiver.lastReceiptByPath.get(p) ?? Infinity)) - t0) / 1000;
      return { seconds, ledger: receiver.ledger(everyPath(healthy, ids)), cpuPer1000: cpuPer1000(cpu, receiver.distinct(healthy)) };
    });
  const alone = await runOnce(false);
  const withDead = await runOnce(true);
  const sum = (k: 'published' | 'received' | 'missing' | 'unknown' | 'duplicates') => alone.ledger[k] + withDead.ledger[k];
  return {
    scenario: healthyCount === 1 ? 'isolation-1' : 'isolation',
    summary: `${healthyCount} healthy endpoint(s) x 1,000 events: completion time with one more endpoint that never answers / without it`,
    ledger: { published: sum('published'), received: sum('received'), missing: sum('missing'), unknown: sum('unknown'), duplicates: sum('duplicates'), balanced: alone.ledger.balanced && withDead.ledger.balanced },
    metrics: {
      healthyAloneSeconds: round(alone.seconds),
      healthyWithDeadSeconds: round(withDead.seconds),
      ratio: round(withDead.seconds / alone.seconds),
      // Per healthy delivery, the dead endpoint's calls included in the second.
      stackCpuSecondsPer1000: `${alone.cpuPer1000} / ${withDead.cpuPer1000}`,
    },
  };
}

/**
 * `isolation-dead-N` (issue #14): one healthy endpoint with 1,000 order.new events beside N
 * neighbours on customer.created (1,000 events each for 1 and 5, 100 each for 50), published
 * interleaved on one deliveries partition. Three runs on fresh stacks: no neighbours, neighbours
 * answering 200 at once, neighbours that never answer (every call waits out the 5 s timeout).
 * `ratioToAnswering` is what their being dead costs the healthy endpoint; `ratioToAlone` adds
 * the cost of their messages at all (fan-out, fetch, outcomes) on the shared cores.
 */
export async function isolationDead(dead: number): Promise<Result> {
  const neighbourEvents = dead >= 50 ? 100 : 1000;
  const settings = { KAFKA_TOPIC_PARTITIONS: '1', DELIVERY_TIMEOUT_MS: '5000', RETRY_SCHEDULE_SECONDS: '600' };
  const deadPaths = new Set(Array.from({ length: dead }, (_, i) => `/dead${i}`));
  const runOnce = (neighbours: 'none' | 'answering' | 'dead') =>
    withPipeline({ instances: 1, settings, receiver: { deadPaths } }, async (pipeline, receiver) => {
      const org = await pipeline.organization();
      await pipeline.endpoint(org.apiKey, receiver.url('/healthy'), ['order.new']);
      const neighbourPaths = neighbours === 'none' ? [] : Array.from({ length: dead }, (_, i) => (neighbours === 'dead' ? `/dead${i}` : `/n${i}`));
      for (const p of neighbourPaths) await pipeline.endpoint(org.apiKey, receiver.url(p), ['customer.created']);
      const t0 = Date.now();
      const cpu = StackCpu.start();
      const [ids, neighbourIds] = await Promise.all([
        publishClosedLoop(pipeline.producer, org.id, 1000, ['order.new']),
        neighbourPaths.length > 0 ? publishClosedLoop(pipeline.producer, org.id, neighbourEvents, ['customer.created']) : Promise.resolve([]),
      ]);
      await drain(() => receiver.distinct(['/healthy']), ids.length, STALL_SECONDS * 1000, progress(`healthy (${neighbours} neighbours)`, ids.length));
      const seconds = ((receiver.lastReceiptByPath.get('/healthy') ?? Infinity) - t0) / 1000;
      // Answering neighbours must get theirs too (the dead ones' calls never complete).
      if (neighbours === 'answering') await drain(() => receiver.distinct(neighbourPaths), neighbourIds.length * dead, STALL_SECONDS * 1000, progress('answering neighbours', neighbourIds.length * dead));
      const expected = new Map([['/healthy', ids], ...(neighbours === 'answering' ? neighbourPaths.map((p): [string, string[]] => [p, neighbourIds]) : [])]);
      return { seconds, ledger: receiver.ledger(expected), cpuPer1000: cpuPer1000(cpu, receiver.distinct()) };
    });
  const alone = await runOnce('none');
  const answering = await runOnce('answering');
  const withDead = await runOnce('dead');
  const runs = [alone, answering, withDead];
  const sum = (k: 'published' | 'received' | 'missing' | 'unknown' | 'duplicates') => runs.reduce((n, r) => n + r.ledger[k], 0);
  return {
    scenario: `isolation-dead-${dead}`,
    summary: `1 healthy endpoint x 1,000 events beside ${dead} never-answering endpoint(s) x ${neighbourEvents} events, one partition: completion time against no neighbours and against neighbours that answer`,
    ledger: { published: sum('published'), received: sum('received'), missing: sum('missing'), unknown: sum('unknown'), duplicates: sum('duplicates'), balanced: runs.every((r) => r.ledger.balanced) },
    settings,
    metrics: {
      aloneSeconds: round(alone.seconds),
      answeringNeighboursSeconds: round(answering.seconds),
      deadNeighboursSeconds: round(withDead.seconds),
      ratioToAnswering: round(withDead.seconds / answering.seconds),
      ratioToAlone: round(withDead.seconds / alone.seconds),
      // Per delivery that arrived (none / answering / dead neighbours): the dead ones' calls arrive nowhere.
      stackCpuSecondsPer1000: runs.map((r) => r.cpuPer1000).join(' / '),
    },
  };
}

/**
 * 1, 2 and 4 delivery instances against a receiver that takes 50 ms per request, so the receiver
 * (not the CPU) bounds each instance: DELIVERY_MAX_IN_FLIGHT caps each instance's concurrent
 * requests, as a connection budget per instance would in production. The cap is small because every
 * instance shares this machine's cores: with a larger one the machine saturates first and the speedup
 * measures the cores, not the spread over partitions (docs/decisions/0014-scaling-on-one-machine.md).
 */
export async function scaling(): Promise<Result[]> {
  const settings = { DELIVERY_MAX_IN_FLIGHT: process.env.BENCH_SCALING_IN_FLIGHT ?? '5' };
  const events = 100;
  const rates: number[] = [];
  const results: Result[] = [];
  for (const instances of [1, 2, 4]) {
    const result = await withPipeline({ instances, settings, receiver: { latencyMs: 50 } }, async (pipeline, receiver) => {
      const { orgId, paths } = await endpoints(pipeline, receiver, 48);
      const cpuBefore = machineCpu();
      const cpu = StackCpu.start();
      const ids = await publishClosedLoop(pipeline.producer, orgId, events, ['order.new']);
      const expected = ids.length * paths.length;
      await drain(() => receiver.distinct(), expected, STALL_SECONDS * 1000, progress(`deliveries (${instances} instance(s))`, expected));
      const machineBusyPercent = busyPercent(cpuBefore, machineCpu());
      const stackCpuSecondsPer1000 = cpuPer1000(cpu, receiver.distinct());
      // The steady rate between 10 % and 90 % of the receipts: the group's first rebalances and the last partition's tail fall outside.
      const receipts = [...receiver.firstReceiptById.values()].sort((a, b) => a - b);
      const [from, to] = [Math.floor(receipts.length * 0.1), Math.floor(receipts.length * 0.9)];
      const perSecond = (to - from) / ((receipts[to] - receipts[from]) / 1000);
      rates.push(perSecond);
      const share = await Promise.all(pipeline.deliveryServices().map((s) => s.metric('webhooks_delivery_attempts_total')));
      return {
        scenario: `scaling-${instances}`,
        summary: `${instances} delivery instance(s), receiver answering after 50 ms, ${events} events x 48 endpoints; rate between 10% and 90% of the receipts`,
        ledger: receiver.ledger(everyPath(paths, ids)),
        settings,
        metrics: { deliveriesPerSecond: Math.round(perSecond), speedupOverOne: round(perSecond / rates[0]), attemptsPerInstance: share.map(Math.round).join(' / '), machineBusyPercent, stackCpuSecondsPer1000 },
      };
    });
    results.push(result);
  }
  return results;
}

/**
 * 10,000 deliveries (1,000 events x 10 endpoints) whose first attempt fails, with a 2 s first
 * tier: how late the second attempt arrives. The breaker is set out of reach, since every
 * endpoint fails 1,000 times in a row here by design.
 *
 * The same load runs first as a warm-up, drained, and its lateness is reported as `cold*`: on services
 * just started the first attempts go at ~1,200/s instead of ~5,000/s, and a due retry waits behind the
 * first attempts still queued in its endpoint's lane, which measured the cold start, not the retry
 * timing (decision 0020).
 */
export async function retryPrecision(events = 1000, warmupEvents = 1000): Promise<Result> {
  const settings = { RETRY_SCHEDULE_SECONDS: '2,4', DELIVERY_BREAKER_FAILURES: '1000000' };
  return withPipeline({ instances: 1, settings, receiver: { failFirstAttempt: { retryAfterMs: 2000 } } }, async (pipeline, receiver) => {
    const { orgId, paths } = await endpoints(pipeline, receiver, 10);
    const ids: string[] = [];
    const phase = async (what: string, count: number): Promise<void> => {
      ids.push(...(await publishClosedLoop(pipeline.producer, orgId, count, ['order.new'])));
      const expected = ids.length * paths.length;
      await drain(() => receiver.distinct(), expected, STALL_SECONDS * 1000, progress(`${what}: second attempts`, expected));
    };
    await phase('warm-up', warmupEvents);
    const h = receiver.retryLateness;
    const cold = { p50ms: h.getValueAtPercentile(50), p99ms: h.getValueAtPercentile(99) };
    h.reset();
    const measuredFrom = Date.now();
    const cpu = StackCpu.start();
    const deliveredBefore = receiver.distinct();
    await phase('measured', events);
    // Two attempts per delivery, counted once.
    const stackCpuSecondsPer1000 = cpuPer1000(cpu, receiver.distinct() - deliveredBefore);
    return {
      scenario: 'retry-precision',
      summary: `${events * paths.length} deliveries failing once, first retry tier 2 s: lateness of the second attempt, after a warm-up of the same load (cold* = the warm-up, services just started)`,
      ledger: receiver.ledger(everyPath(paths, ids)),
      settings,
      metrics: {
        latenessP50ms: h.getValueAtPercentile(50),
        latenessP99ms: h.getValueAtPercentile(99),
        latenessMaxMs: h.maxValue,
        // Counted over both phases: a retry may never come early, warm or cold.
        early: receiver.retriesEarly,
        // Retries come due at the rate the first attempts went: above what the instance does, they wait in the lanes.
        firstAttemptsPerSecond: Math.round(receiver.firstAttemptRate(measuredFrom)),
        coldLatenessP50ms: cold.p50ms,
        coldLatenessP99ms: cold.p99ms,
        stackCpuSecondsPer1000,
      },
    };
  });
}

/**
 * Peak RSS of every service while a backlog of 200,000 deliveries drains: 20,000 events x 10
 * endpoints are fanned out while no delivery instance runs, then one starts on the full backlog.
 */
export async function memory(): Promise<Result> {
  return withPipeline({ instances: 0 }, async (pipeline, receiver) => {
    const { orgId, paths } = await endpoints(pipeline, receiver, 10);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(...(await publishClosedLoop(pipeline.producer, orgId, 5000, EVENT_TYPES)));
    const expected = ids.length * paths.length;
    const backlog = await pipeline.waitForBacklog(expected, progress('backlog of delivery messages', expected));
    log(`  backlog of ${backlog} delivery messages; starting the delivery instance`);
    const t0 = Date.now();
    const cpu = StackCpu.start();
    await pipeline.addDeliveryInstance();
    await drain(() => receiver.distinct(), expected, STALL_SECONDS * 1000, progress('deliveries', expected));
    const seconds = (Date.now() - t0) / 1000;
    return {
      scenario: 'memory',
      summary: 'peak RSS of each service while a backlog of 200,000 deliveries drains (one delivery instance)',
      ledger: receiver.ledger(everyPath(paths, ids)),
      metrics: { backlog, drainSeconds: round(seconds), deliveriesPerSecond: Math.round(receiver.distinct() / seconds), stackCpuSecondsPer1000: cpuPer1000(cpu, receiver.distinct()), peakRssMb: rss(pipeline) },
    };
  });
}

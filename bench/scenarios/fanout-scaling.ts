/*
 * Fan-out scaling (part of `npm run bench -- scaling`): 1 and 2 fan-out instances in one consumer group
 * on the same backlog of events. The fan-out never talks to receivers, so a slow receiver would only hide
 * it behind the delivery service: the rate measured is the fan-out's own, delivery messages committed per
 * second, with no delivery instance running.
 *
 * The fan-out is CPU-bound: one uncapped instance takes a core, and two on a 2-core machine beside Kafka
 * and PostgreSQL share what one had. So each instance gets a CPU budget of its own
 * (bench/support/cpu-cap.ts, BENCH_FANOUT_CORES, default 0.3 of a core), as a container limit would give
 * it: two instances have twice the CPU of one, and the speedup shows whether the input partitions and the
 * transactions spread the work. Where caps cannot be applied the run says so and goes uncapped.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { prepareEvent } from '@app/producer';
import { EVENT_TYPES, eventInput, Pipeline } from '../support/pipeline';
import { capCpu, cpuCapUnavailable } from '../support/cpu-cap';
import { busyPercent, cpuSeconds, machineCpu, StackCpu } from '../support/cpu-usage';
import { Result, log, progress, round } from '../support/result';

const ORGANIZATIONS = 240;
const EVENTS = 60_000;
/**
 * Bytes per fetch, so per transaction: with the default 2 MiB a capped instance commits ~10,000 events every
 * ~4 s, and the whole backlog was 6 commits, too few to read a rate off (the same code measured 0.8-2.3x).
 * A quarter-MiB round (~1,250 events) spreads the backlog over ~50 commits per instance.
 */
const FETCH_BYTES = Number(process.env.BENCH_FANOUT_FETCH_BYTES ?? 256 * 1024);
/** The rate is taken between these shares of the backlog: the first transactions before, the last partitions' tail after. */
const WINDOW = [0.1, 0.9] as const;

/**
 * Events are keyed by organization, so the backlog spreads over the input partitions only through many
 * organizations: 240 of them, one endpoint each (every event type), events rotating over them and the
 * seven catalog topics, published as fast as the producer goes once every instance has its partitions.
 */
export async function fanoutScaling(): Promise<Result[]> {
  const cores = Number(process.env.BENCH_FANOUT_CORES ?? 0.3);
  const uncapped = cpuCapUnavailable();
  if (uncapped) log(`  fan-out instances run uncapped (${uncapped}): the speedup measures this machine's cores, not the spread`);
  const fetchSettings = { FANOUT_MAX_BYTES_PER_FETCH: String(FETCH_BYTES) };
  const settings = { fanoutCpuCapCores: uncapped ? `none (${uncapped})` : String(cores), ...fetchSettings };
  const rates: number[] = [];
  const results: Result[] = [];
  for (const instances of [1, 2]) {
    const pipeline = await new Pipeline({ deliveryInstances: 0, fanoutInstances: instances, env: fetchSettings }).start();
    let uncap: Array<() => void> = [];
    let backlog: Awaited<ReturnType<typeof openBacklog>> | null = null;
    try {
      const orgIds: string[] = [];
      for (let i = 0; i < ORGANIZATIONS; i++) {
        const org = await pipeline.organization();
        await pipeline.endpoint(org.apiKey, `http://127.0.0.1:9/fanout-scaling/${i}`, ['*']);
        orgIds.push(org.id);
      }
      await Promise.all(pipeline.fanoutServices().map((s) => s.stop()));
      // The backlog is written in one transaction, committed only once every instance has its partitions: the
      // fan-out reads committed records only, so no instance works the backlog alone while the others join, and
      // each starts on its share of the whole backlog (decision 0026).
      backlog = await openBacklog(orgIds);
      const published = backlog.events;
      log(`  ${published} events published in an open transaction; starting ${instances} fan-out instance(s)`);
      await Promise.all(pipeline.fanoutServices().map((s) => s.start()));
      const pids = pipeline.fanoutServices().map((s) => s.pid ?? 0);
      uncap = uncapped ? [] : pids.map((pid, i) => capCpu(pid, cores, `fanout-${i}`));
      await pipeline.waitForFanoutGroup(instances);
      await backlog.commit();
      const cpuBefore = pids.map(cpuSeconds);
      const machineBefore = machineCpu();
      const stackCpu = StackCpu.start();
      const { perSecond, produced, window, windowCpu } = await windowRate(pipeline, published, pids, progress(`delivery messages (${instances} fan-out instance(s))`, published));
      const machineBusy = busyPercent(machineBefore, machineCpu());
      const cpuUsed = pids.map((pid, i) => cpuSeconds(pid) - cpuBefore[i]);
      const stack = stackCpu.read();
      const share = await Promise.all(pipeline.fanoutServices().map((s) => s.metric('webhooks_fanout_delivery_messages_total')));
      const rounds = await Promise.all(pipeline.fanoutServices().map((s) => s.metric('webhooks_fanout_transaction_seconds_count')));
      const roundSeconds = await Promise.all(pipeline.fanoutServices().map((s) => s.metric('webhooks_fanout_transaction_seconds_sum')));
      rates.push(perSecond);
      results.push({
        scenario: `scaling-fanout-${instances}`,
        summary: `${instances} fan-out instance(s) on a backlog of ${published} events of ${ORGANIZATIONS} organizations (1 endpoint each), no delivery instance; the backlog committed in one transaction once the group is stable, rate from ${WINDOW[0] * 100}% to ${WINDOW[1] * 100}% of it`,
        ledger: { published, received: Math.min(published, produced), missing: Math.max(0, published - produced), unknown: Math.max(0, produced - published), duplicates: 0, balanced: produced === published },
        settings,
        metrics: {
          deliveryMessagesPerSecond: Math.round(perSecond),
          speedupOverOne: round(perSecond / rates[0]),
          messagesPerInstance: share.map(Math.round).join(' / '),
          fanoutCpuSecondsPer1000: round((1000 * cpuUsed.reduce((a, b) => a + b, 0)) / produced),
          stackCpuSecondsPer1000: round((1000 * stack.cpuSeconds) / Math.max(1, produced)),
          // Against the cap: an instance well below it was waiting (on Kafka, PostgreSQL, or with nothing left).
          coresPerInstance: cpuUsed.map((s) => round(s / stack.seconds)).join(' / '),
          // The same two within the measured window only: each instance's start-up and JIT warm-up are outside it.
          windowFanoutCpuSecondsPer1000: round((1000 * windowCpu.cpuSeconds.reduce((a, b) => a + b, 0)) / windowCpu.messages),
          windowCoresPerInstance: windowCpu.cpuSeconds.map((s) => round(s / windowCpu.seconds)).join(' / '),
          roundsPerInstance: rounds.map(Math.round).join(' / '),
          meanRoundMs: rounds.map((n, i) => Math.round((1000 * roundSeconds[i]) / Math.max(1, n))).join(' / '),
          measuredShareOfBacklog: window,
          machineBusyPercent: machineBusy,
        },
      });
    } finally {
      await backlog?.abortIfOpen();
      await pipeline.stop();
      uncap.forEach((remove) => remove());
    }
  }
  return results;
}

/** Every organization's share of EVENTS, rotating over the event types, written in one open transaction; `commit` makes it visible. */
async function openBacklog(orgIds: readonly string[]): Promise<{ events: number; commit: () => Promise<void>; abortIfOpen: () => Promise<void> }> {
  const kafka = new Kafka({ clientId: 'bench-backlog', brokers: String(process.env.KAFKA_BROKERS).split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ transactionalId: `bench-fanout-backlog-${randomUUID()}`, maxInFlightRequests: 1, idempotent: true, transactionTimeout: 120_000 });
  await producer.connect();
  const transaction = await producer.transaction();
  const perOrg = Math.ceil(EVENTS / orgIds.length);
  let events = 0;
  for (const orgId of orgIds) {
    const prepared = Array.from({ length: perOrg }, (_, i) => prepareEvent(eventInput(orgId, EVENT_TYPES[i % EVENT_TYPES.length], Date.now())));
    const byTopic = new Map<string, Array<{ key: string; value: Buffer | string }>>();
    for (const p of prepared) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), { key: p.key, value: p.value }]);
    await transaction.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })), acks: -1 });
    events += prepared.length;
  }
  let open = true;
  return {
    events,
    commit: async () => {
      await transaction.commit();
      open = false;
      await producer.disconnect();
    },
    // An open transaction holds back every read-committed reader of these topics (until its timeout): never left behind.
    abortIfOpen: async () => {
      if (!open) return;
      open = false;
      await transaction.abort().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
    },
  };
}

/**
 * Polls the instances' counters until the backlog is done: the rate from WINDOW[0] up to WINDOW[1] of it,
 * the CPU each instance used in that window, and the final count.
 */
async function windowRate(
  pipeline: Pipeline,
  expected: number,
  pids: number[],
  onProgress: (n: number) => void,
): Promise<{ perSecond: number; produced: number; window: string; windowCpu: { cpuSeconds: number[]; seconds: number; messages: number } }> {
  const deadline = Date.now() + 300_000;
  let from: { t: number; n: number; cpu: number[] } | null = null;
  let to: { t: number; n: number; cpu: number[] } | null = null;
  let n = 0;
  while (n < expected) {
    if (Date.now() > deadline) throw new Error(`the fan-out produced ${n} of ${expected} delivery messages in 5 minutes`);
    await new Promise((r) => setTimeout(r, 100));
    n = await pipeline.fanoutMessages();
    onProgress(n);
    if (!from && n >= expected * WINDOW[0]) from = { t: Date.now(), n, cpu: pids.map(cpuSeconds) };
    if (from && !to && n >= expected * WINDOW[1]) to = { t: Date.now(), n, cpu: pids.map(cpuSeconds) };
  }
  await new Promise((r) => setTimeout(r, 2000)); // a late duplicate still counts
  const produced = await pipeline.fanoutMessages();
  if (!from || !to || to.t === from.t) throw new Error('the backlog went by faster than the counters are polled: raise EVENTS');
  const windowCpu = { cpuSeconds: to.cpu.map((c, i) => c - from.cpu[i]), seconds: (to.t - from.t) / 1000, messages: to.n - from.n };
  return { perSecond: (to.n - from.n) / ((to.t - from.t) / 1000), produced, window: `${Math.round((100 * from.n) / expected)}-${Math.round((100 * to.n) / expected)}%`, windowCpu };
}

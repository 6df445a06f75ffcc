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
import { EVENT_TYPES, Pipeline, publishClosedLoop } from '../support/pipeline';
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
    try {
      const orgIds: string[] = [];
      for (let i = 0; i < ORGANIZATIONS; i++) {
        const org = await pipeline.organization();
        await pipeline.endpoint(org.apiKey, `http://127.0.0.1:9/fanout-scaling/${i}`, ['*']);
        orgIds.push(org.id);
      }
      await Promise.all(pipeline.fanoutServices().map((s) => s.stop()));
      const perOrg = Math.ceil(EVENTS / ORGANIZATIONS);
      let published = 0;
      for (const orgId of orgIds) published += (await publishClosedLoop(pipeline.producer, orgId, perOrg, EVENT_TYPES)).length;
      log(`  ${published} events published; starting ${instances} fan-out instance(s)`);
      await Promise.all(pipeline.fanoutServices().map((s) => s.start()));
      const pids = pipeline.fanoutServices().map((s) => s.pid ?? 0);
      uncap = uncapped ? [] : pids.map((pid, i) => capCpu(pid, cores, `fanout-${i}`));
      const cpuBefore = pids.map(cpuSeconds);
      const machineBefore = machineCpu();
      const stackCpu = StackCpu.start();
      // Instances started together still join the group seconds apart, and the first one alone works the
      // backlog meanwhile: the rate is measured only once every instance has its partitions (decision 0014).
      const stable = pipeline.waitForFanoutGroup(instances);
      const { perSecond, produced, window, windowCpu } = await windowRate(pipeline, published, stable, pids, progress(`delivery messages (${instances} fan-out instance(s))`, published));
      const machineBusy = busyPercent(machineBefore, machineCpu());
      const cpuUsed = pids.map((pid, i) => cpuSeconds(pid) - cpuBefore[i]);
      const stack = stackCpu.read();
      const share = await Promise.all(pipeline.fanoutServices().map((s) => s.metric('webhooks_fanout_delivery_messages_total')));
      const rounds = await Promise.all(pipeline.fanoutServices().map((s) => s.metric('webhooks_fanout_transaction_seconds_count')));
      const roundSeconds = await Promise.all(pipeline.fanoutServices().map((s) => s.metric('webhooks_fanout_transaction_seconds_sum')));
      rates.push(perSecond);
      results.push({
        scenario: `scaling-fanout-${instances}`,
        summary: `${instances} fan-out instance(s) on a backlog of ${published} events of ${ORGANIZATIONS} organizations (1 endpoint each), no delivery instance; rate from the group's being stable (at least ${WINDOW[0] * 100}%) to ${WINDOW[1] * 100}% of the backlog`,
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
      await pipeline.stop();
      uncap.forEach((remove) => remove());
    }
  }
  return results;
}

/**
 * Polls the instances' counters until the backlog is done: the rate from the later of WINDOW[0] and the
 * group's being stable up to WINDOW[1], the share of the backlog that window covered, and the final count.
 */
async function windowRate(
  pipeline: Pipeline,
  expected: number,
  stable: Promise<void>,
  pids: number[],
  onProgress: (n: number) => void,
): Promise<{ perSecond: number; produced: number; window: string; windowCpu: { cpuSeconds: number[]; seconds: number; messages: number } }> {
  const deadline = Date.now() + 300_000;
  let isStable = false;
  stable.then(
    () => (isStable = true),
    () => undefined, // awaited below, where its error is thrown
  );
  let from: { t: number; n: number; cpu: number[] } | null = null;
  let to: { t: number; n: number; cpu: number[] } | null = null;
  let n = 0;
  while (n < expected) {
    if (Date.now() > deadline) throw new Error(`the fan-out produced ${n} of ${expected} delivery messages in 5 minutes`);
    await new Promise((r) => setTimeout(r, 100));
    n = await pipeline.fanoutMessages();
    onProgress(n);
    if (!from && isStable && n >= expected * WINDOW[0]) from = { t: Date.now(), n, cpu: pids.map(cpuSeconds) };
    if (from && !to && n >= expected * WINDOW[1]) to = { t: Date.now(), n, cpu: pids.map(cpuSeconds) };
  }
  await stable;
  await new Promise((r) => setTimeout(r, 2000)); // a late duplicate still counts
  const produced = await pipeline.fanoutMessages();
  if (!from || !to || to.t === from.t) throw new Error('the group was not stable before 90% of the backlog, or the backlog went by faster than the counters are polled: raise EVENTS');
  const windowCpu = { cpuSeconds: to.cpu.map((c, i) => c - from!.cpu[i]), seconds: (to.t - from.t) / 1000, messages: to.n - from.n };
  return { perSecond: (to.n - from.n) / ((to.t - from.t) / 1000), produced, window: `${Math.round((100 * from.n) / expected)}-${Math.round((100 * to.n) / expected)}%`, windowCpu };
}

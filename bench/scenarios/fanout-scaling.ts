/*
 * Fan-out scaling (part of `npm run bench -- scaling`): 1 and 2 fan-out instances in one consumer group
 * on the same backlog of events. The fan-out never talks to receivers, so a slow receiver would only hide
 * it behind the delivery service: the rate measured is the fan-out's own, delivery messages committed per
 * second, with no delivery instance running.
 */
import { EVENT_TYPES, Pipeline, publishClosedLoop } from '../support/pipeline';
import { Result, log, progress, round } from '../support/result';

const ORGANIZATIONS = 24;
const EVENTS = 30_000;
/** The rate is taken between these shares of the backlog: group joins and the rebalance when the second instance joins fall before, the last partitions' tail after. */
const WINDOW = [0.1, 0.9] as const;

/**
 * Events are keyed by organization, so the backlog spreads over the input partitions only through many
 * organizations: 24 of them, one endpoint each (every event type), events rotating over them and the
 * seven catalog topics. The fan-out instances are stopped while the backlog is published, then started
 * together; each counts its delivery messages from its own start.
 */
export async function fanoutScaling(): Promise<Result[]> {
  const rates: number[] = [];
  const results: Result[] = [];
  for (const instances of [1, 2]) {
    const pipeline = await new Pipeline({ deliveryInstances: 0, fanoutInstances: instances }).start();
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
      const { perSecond, produced } = await windowRate(pipeline, published, progress(`delivery messages (${instances} fan-out instance(s))`, published));
      rates.push(perSecond);
      results.push({
        scenario: `scaling-fanout-${instances}`,
        summary: `${instances} fan-out instance(s) on a backlog of ${published} events of ${ORGANIZATIONS} organizations (1 endpoint each), no delivery instance; rate between ${WINDOW[0] * 100}% and ${WINDOW[1] * 100}% of the backlog`,
        ledger: { published, received: Math.min(published, produced), missing: Math.max(0, published - produced), unknown: Math.max(0, produced - published), duplicates: 0, balanced: produced === published },
        metrics: { deliveryMessagesPerSecond: Math.round(perSecond), speedupOverOne: round(perSecond / rates[0]) },
      });
    } finally {
      await pipeline.stop();
    }
  }
  return results;
}

/** Polls the instances' counters until the backlog is done: the rate inside WINDOW, and the final count. */
async function windowRate(pipeline: Pipeline, expected: number, onProgress: (n: number) => void): Promise<{ perSecond: number; produced: number }> {
  const deadline = Date.now() + 300_000;
  let from: { t: number; n: number } | null = null;
  let to: { t: number; n: number } | null = null;
  let n = 0;
  while (n < expected) {
    if (Date.now() > deadline) throw new Error(`the fan-out produced ${n} of ${expected} delivery messages in 5 minutes`);
    await new Promise((r) => setTimeout(r, 100));
    n = await pipeline.fanoutMessages();
    onProgress(n);
    if (!from && n >= expected * WINDOW[0]) from = { t: Date.now(), n };
    if (!to && n >= expected * WINDOW[1]) to = { t: Date.now(), n };
  }
  await new Promise((r) => setTimeout(r, 2000)); // a late duplicate still counts
  const produced = await pipeline.fanoutMessages();
  if (!from || !to || to.t === from.t) throw new Error('the backlog went by faster than the counters are polled: raise EVENTS');
  return { perSecond: (to.n - from.n) / ((to.t - from.t) / 1000), produced };
}

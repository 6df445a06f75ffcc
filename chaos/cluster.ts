/*
 * `npm run chaos -- cluster`: broker failover on the three-broker cluster (`npm run infra -- up --brokers 3`) under
 * the steady load. Episode 1: SIGKILL the broker leading the most deliveries partitions of the phase's endpoints,
 * 10 s later a second broker (partitions are then left with one in-sync replica, below min.insync.replicas 2, and
 * the KRaft quorum is lost: producers must wait, nothing acknowledged may be lost), keep both down
 * CHAOS_BROKER_DOWN_SECONDS, start both. Episode 2: SIGKILL the active KRaft controller, start it again.
 * The services must carry on as the same processes; lost = 0; duplicates are counted; recovery timed.
 */
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { Topics } from '@app/contracts';
import type { Chaos } from './chaos';
import type { Check, Episode, PhaseResult, result } from './results';

interface NodeStatus {
  id: number;
  pid: number | null;
}
interface ClusterInfra {
  status(): Promise<{ kafka: { brokerCount: number; nodes: NodeStatus[]; activeController: number | null } }>;
  startOne(which: string): Promise<unknown>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The broker leading the most deliveries partitions that the phase's endpoints are stored on. */
async function busiestLeader(chaos: Chaos, endpointIds: string[]): Promise<number> {
  const db = new Client({ connectionString: process.env.DATABASE_URL });
  await db.connect();
  const partitions = (await db.query<{ delivery_partition: number | null }>('SELECT delivery_partition FROM endpoints WHERE id = ANY($1)', [endpointIds]).finally(() => db.end())).rows;
  const kafka = new Kafka({ clientId: 'chaos-cluster', brokers: String(process.env.KAFKA_BROKERS).split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [Topics.deliveries] });
    const leaders = new Map<number, number>();
    for (const { delivery_partition: p } of partitions) {
      const leader = topics[0].partitions.find((x) => x.partitionId === p)?.leader;
      if (leader !== undefined) leaders.set(leader, (leaders.get(leader) ?? 0) + 1);
    }
    return [...leaders].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 1;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Recovered: the same service processes, the backlog from before the fault delivered, and events published
 * after it delivered too: a drained backlog alone would pass a publisher that fails every send from the
 * fault on, since the events of a failed send are only "uncertain" in the ledger.
 */
function recovered(samePids: boolean, r: Pick<Episode, 'drainedMs' | 'flowingMs'>): boolean {
  return samePids && r.drainedMs !== null && r.flowingMs !== null;
}

async function kill(infra: ClusterInfra, id: number, log: (m: string) => void): Promise<void> {
  const node = (await infra.status()).kafka.nodes.find((n) => n.id === id);
  if (!node?.pid) throw new Error(`broker ${id} is not running`);
  log(`cluster: SIGKILL broker ${id} (pid ${node.pid})`);
  process.kill(node.pid, 'SIGKILL');
}

export async function clusterPhase(
  chaos: Chaos,
  infra: ClusterInfra,
  options: { brokerDownMs: number },
  helpers: { log: (m: string) => void; secs: (ms: number | null) => string; baseChecks: (t: PhaseResult['tally'], e: string[]) => Check[]; result: typeof result },
): Promise<PhaseResult> {
  const { log, secs } = helpers;
  const t0 = Date.now();
  const status = await infra.status();
  if (status.kafka.brokerCount !== 3) throw new Error('the cluster phase needs the three-broker cluster: `npm run infra -- down`, then `npm run infra -- up --brokers 3`');
  const { ledger, load } = await chaos.beginPhase('cluster');
  const episodes: Episode[] = [];
  const checks: Check[] = [];

  // Episode 1: the leader of the busiest partitions, then a second broker.
  let before = await chaos.nextOutage(options.brokerDownMs + 200_000, 'cluster faults');
  if (before) {
    load.takeLongestSend();
    const failuresBefore = load.sendFailures;
    const first = await busiestLeader(chaos, ledger.endpoints.map((e) => e.id));
    const second = [1, 2, 3].find((id) => id !== first) as number;
    await kill(infra, first, log);
    await sleep(10_000);
    await kill(infra, second, log);
    await sleep(options.brokerDownMs);
    log(`cluster: starting brokers ${first} and ${second}`);
    await infra.startOne('kafka');
    const end = Date.now();
    const recovery = await chaos.recovery(ledger, load, end, 180_000);
    const samePids = chaos.sameProcesses(before.pids);
    // Below min.insync.replicas the load's producer must wait (or fail cleanly, making its events uncertain, never lost).
    const waited = `the load's longest send waited ${secs(load.takeLongestSend())}, ${load.sendFailures - failuresBefore} sends failed`;
    episodes.push({ n: 1, at: new Date(before.at).toISOString(), faultMs: end - before.at, ...recovery, note: `brokers ${first} (leader of the busiest partitions) and ${second}; ${waited}${samePids ? '' : '; a service was restarted'}` });
    checks.push({ what: 'two brokers down: services carried on as the same processes and recovered', ok: recovered(samePids, recovery), detail: `flowing ${secs(recovery.flowingMs)}, drained ${secs(recovery.drainedMs)}, ready ${secs(recovery.readyMs)}; ${waited}` });
    log(`  recovered: flowing after ${secs(recovery.flowingMs)}, backlog drained after ${secs(recovery.drainedMs)}`);
  }

  // Episode 2: the active KRaft controller.
  before = await chaos.nextOutage(options.brokerDownMs + 150_000, 'cluster faults');
  if (before) {
    load.takeLongestSend();
    const controller = (await infra.status()).kafka.activeController ?? 1;
    await kill(infra, controller, log);
    await sleep(options.brokerDownMs);
    log(`cluster: starting broker ${controller}`);
    await infra.startOne(`kafka-${controller}`);
    const end = Date.now();
    const recovery = await chaos.recovery(ledger, load, end, 150_000);
    const samePids = chaos.sameProcesses(before.pids);
    const now = (await infra.status()).kafka.activeController;
    episodes.push({ n: 2, at: new Date(before.at).toISOString(), faultMs: end - before.at, ...recovery, note: `active controller ${controller} killed; controller now ${now ?? 'unknown'}; the load's longest send waited ${secs(load.takeLongestSend())}${samePids ? '' : '; a service was restarted'}` });
    checks.push({ what: 'active KRaft controller killed: services carried on and recovered', ok: recovered(samePids, recovery), detail: `flowing ${secs(recovery.flowingMs)}, drained ${secs(recovery.drainedMs)}, ready ${secs(recovery.readyMs)}` });
    log(`  recovered: flowing after ${secs(recovery.flowingMs)}, backlog drained after ${secs(recovery.drainedMs)}`);
  }

  const tally = await chaos.endPhase(ledger, load);
  const exits = chaos.takeExits();
  checks.unshift(...helpers.baseChecks(tally, exits));
  checks.push({ what: 'both episodes ran', ok: episodes.length === 2, detail: `${episodes.length} episodes` });
  return helpers.result('cluster', 'three brokers: SIGKILL the busiest partitions\' leader, then a second broker, restart both; then SIGKILL the active KRaft controller, restart it', t0, episodes, tally, exits, checks);
}


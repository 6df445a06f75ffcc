/*
 * Fan-out throughput benchmark (not a test): publishes N domain events to a fresh topic, then
 * starts the built fan-out (`node dist/apps/fanout/main.js`, so it has the CPU to itself as in
 * production) on that backlog and measures how fast it turns them into committed delivery
 * messages, at each fan-out factor (endpoints per event).
 *
 *   npm run build
 *   KAFKA_BROKERS=... DATABASE_URL=... npm run bench:fanout -- [--events 20000] [--factors 1,10] [--orgs 50] [--filtered N] [--schema] [--fetch-bytes N] [--cpu-prof DIR] [--log FILE]
 *
 * `--filtered N` gives every organization N more endpoints of the event's type, each with a payload
 * filter (SPEC §10: the SPEC's own example, `data.total >= 1000+i` and `data.currency in [EUR, USD]`)
 * that the events do not match: every event is tested against N filters and the output stays
 * `factor` messages per event, so the difference to a run without is the cost of filtering.
 *
 * Uses only its own organizations, endpoints, topic and consumer group, and removes them afterwards.
 * The interval runs from the fan-out joining its consumer group (it reports ready then, and fetches
 * at once) to every offset being committed (group offsets polled every 25 ms): consumer-group join
 * time is excluded; decoding, the event-log INSERT, routing, encoding and the Kafka transactions
 * are included. Events/s in = events / interval; delivery messages/s out = messages / interval.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { EventPublisher, PublishEventInput } from '@app/producer';
import { Client } from 'pg';
import { cpuSeconds, machineCpu, StackCpu } from './support/cpu-usage';

export interface Options {
  events: number;
  factors: number[];
  orgs: number;
  /** Endpoints with a non-matching filter per organization (see the header). */
  filtered: number;
  /** Give the run's event type a JSON Schema in the catalog (ORDER_SCHEMA), which every event matches. */
  schema: boolean;
  partitions: number;
  cpuProfDir: string | null;
  logFile: string | null;
  fetchBytes: string | null;
  timeoutMs: number;
}

export interface RunResult {
  factor: number;
  events: number;
  produceSeconds: number;
  drainSeconds: number;
  eventsPerSecond: number;
  deliveriesPerSecond: number;
  deliveryMessages: number;
  /** (event, endpoint) pairs a filter turned down. */
  filteredOut: number;
  transactions: number;
  /** CPU seconds the fan-out process used during the interval (user + system). */
  fanoutCpuSeconds: number;
  /** The whole machine less the benchmark process (fan-out, Kafka, PostgreSQL) over the same interval. */
  stackCpuSeconds: number;
  /** Share of all CPUs busy during the interval, whoever used them (the machine is shared). */
  machineBusy: number;
}

const REPO = resolve(__dirname, '..');
const FANOUT_MAIN = join(REPO, 'dist', 'apps', 'fanout', 'main.js');

export function parseOptions(argv: string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    events: Number(value('events') ?? 20_000),
    factors: (value('factors') ?? '1,10').split(',').map(Number),
    orgs: Number(value('orgs') ?? 50),
    filtered: Number(value('filtered') ?? 0),
    schema: argv.includes('--schema'),
    partitions: Number(value('partitions') ?? 12),
    cpuProfDir: value('cpu-prof') ? resolve(value('cpu-prof') as string) : null,
    fetchBytes: value('fetch-bytes') ?? null,
    logFile: value('log') ? resolve(value('log') as string) : null,
    timeoutMs: Number(value('timeout-ms') ?? 120_000),
  };
}

function requireEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (start your own infra: INFRA_KAFKA_PORT=... node scripts/infra.js up)`);
  return v;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** A schema as a producer team would write one for `sampleEvent`'s data: every field typed, formats checked. */
const ORDER_SCHEMA = {
  type: 'object',
  required: ['orderId', 'total', 'currency', 'customer', 'items'],
  properties: {
    orderId: { type: 'string', pattern: '^ord_[0-9]+$' },
    total: { type: 'number', minimum: 0 },
    currency: { type: 'string', enum: ['EUR', 'USD', 'GBP'] },
    customer: {
      type: 'object',
      required: ['id', 'email'],
      properties: { id: { type: 'string' }, email: { type: 'string', format: 'email' } },
    },
    items: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['sku', 'qty', 'price'],
        properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 }, price: { type: 'number', minimum: 0 } },
      },
    },
  },
};

function sampleEvent(id: string, type: string, organizationId: string, n: number): PublishEventInput {
  return {
    id,
    type,
    organizationId,
    mode: 'live',
    occurredAt: new Date().toISOString(),
    data: {
      orderId: `ord_${n}`,
      total: 129.9,
      currency: 'EUR',
      customer: { id: `cus_${n % 997}`, email: `buyer${n % 997}@example.com` },
      items: [
        { sku: 'SKU-1', qty: 1, price: 49.9 },
        { sku: 'SKU-2', qty: 2, price: 40 },
      ],
    },
  };
}

/** Resolves when the fan-out reports ready, which it does once it has joined its consumer group. */
async function waitReady(port: number, child: ChildProcess, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`fan-out exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
      if (res.ok) return Date.now();
    } catch {
      // not listening yet
    }
    await sleep(20);
  }
  throw new Error('fan-out not ready in time');
}

async function metricValue(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

export async function runFactor(options: Options, factor: number, kafka: Kafka, db: Client): Promise<RunResult> {
  const run = randomBytes(4).toString('hex');
  const topic = `order.bench-${run}`;
  const orgIds = Array.from({ length: options.orgs }, (_, i) => `org_bench${run}${String(i).padStart(4, '0')}`);
  const admin = kafka.admin();
  await admin.connect();
  let child: ChildProcess | null = null;
  try {
    await db.query(`INSERT INTO organizations (id, name) SELECT unnest($1::text[]), 'bench'`, [orgIds]);
    await db.query(
      `INSERT INTO endpoints (id, organization_id, mode, url, event_types, status, secret)
       SELECT 'ep_bench' || $2 || o || '_' || n, o, 'live', 'https://example.com/hook', ARRAY['*'], 'enabled', 'whsec_' || md5(o || n)
       FROM unnest($1::text[]) AS o, generate_series(1, $3::int) AS n`,
      [orgIds, run, factor],
    );
    if (options.filtered > 0) {
      await db.query(
        `INSERT INTO endpoints (id, organization_id, mode, url, event_types, status, secret, filter)
         SELECT 'ep_benchf' || $2 || o || '_' || n, o, 'live', 'https://example.com/hook', ARRAY['*'], 'enabled', 'whsec_' || md5(o || n),
                jsonb_build_object('data.total', jsonb_build_object('$gte', 1000 + n), 'data.currency', jsonb_build_object('$in', jsonb_build_array('EUR', 'USD')))
         FROM unnest($1::text[]) AS o, generate_series(1, $3::int) AS n`,
        [orgIds, run, options.filtered],
      );
    }
    if (options.schema) await db.query(`INSERT INTO event_types (name, description, schema) VALUES ($1, 'bench', $2)`, [topic, JSON.stringify(ORDER_SCHEMA)]);
    await admin.createTopics({ topics: [{ topic, numPartitions: options.partitions, replicationFactor: 1 }], waitForLeaders: true });

    const producer = new EventPublisher({ kafka });
    await producer.connect();
    const t0 = Date.now();
    const chunk = 2_000;
    for (let start = 0; start < options.events; start += chunk) {
      const messages = [];
      for (let n = start; n < Math.min(start + chunk, options.events); n++) {
        const org = orgIds[n % orgIds.length];
        messages.push(sampleEvent(`evt_${run}_${n}`, topic, org, n));
      }
      await producer.publishEvents(messages);
    }
    const produceSeconds = (Date.now() - t0) / 1000;
    await producer.disconnect();

    const port = await freePort();
    const groupId = `bench-fanout-${run}`;
    const nodeArgs = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`, `--cpu-prof-name=fanout-f${factor}-${run}.cpuprofile`] : [];
    child = spawn(process.execPath, [...nodeArgs, FANOUT_MAIN], {
      cwd: REPO,
      stdio: ['ignore', options.logFile ? openSync(options.logFile, 'a') : 'ignore', 'inherit'],
      env: {
        ...process.env,
        PORT: String(port),
        LOG_LEVEL: options.logFile ? 'info' : 'warn',
        FANOUT_TOPICS: topic,
        FANOUT_TOPIC_PATTERN: '^$',
        FANOUT_GROUP_ID: groupId,
        INSTANCE_ID: `bench-${run}`,
        KAFKA_TOPIC_PARTITIONS: String(options.partitions),
        ...(options.fetchBytes ? { FANOUT_MAX_BYTES_PER_FETCH: options.fetchBytes } : {}),
      },
    });
    const readyAt = await waitReady(port, child, 60_000);
    const cpuAtReady = cpuSeconds(child.pid as number);
    const machineAtReady = machineCpu();
    const stackCpu = StackCpu.start();

    // The interval runs from the moment the fan-out has joined its group (it fetches right away)
    // to the first poll that sees every offset committed.
    let done: number | null = null;
    const deadline = Date.now() + options.timeoutMs;
    while (done === null) {
      if (Date.now() > deadline) throw new Error(`fan-out did not finish ${options.events} events in ${options.timeoutMs} ms`);
      if (child.exitCode !== null) throw new Error(`fan-out exited with code ${child.exitCode}`);
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const committed = offsets.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
      if (committed >= options.events) done = Date.now();
      else await sleep(25);
    }
    const fanoutCpuSeconds = cpuSeconds(child.pid as number) - cpuAtReady;
    const stackCpuSeconds = stackCpu.read().cpuSeconds;
    const machineNow = machineCpu();
    const machineBusy = (machineNow.busy - machineAtReady.busy) / (machineNow.total - machineAtReady.total);
    const deliveryMessages = await metricValue(port, 'webhooks_fanout_delivery_messages_total');
    const filteredOut = await metricValue(port, 'webhooks_fanout_filtered_out_total');
    const transactions = await metricValue(port, 'webhooks_fanout_transaction_seconds_count');
    const drainSeconds = (done - readyAt) / 1000;
    return {
      factor,
      events: options.events,
      produceSeconds,
      drainSeconds,
      eventsPerSecond: options.events / drainSeconds,
      deliveriesPerSecond: deliveryMessages / drainSeconds,
      deliveryMessages,
      filteredOut,
      transactions,
      fanoutCpuSeconds,
      stackCpuSeconds,
      machineBusy,
    };
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await db.query('DELETE FROM events WHERE organization_id = ANY($1)', [orgIds]);
    await db.query('DELETE FROM organizations WHERE id = ANY($1)', [orgIds]);
    await db.query('DELETE FROM event_types WHERE name = $1', [topic]);
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (!existsSync(FANOUT_MAIN)) throw new Error(`${FANOUT_MAIN} is missing: run \`npm run build\` first`);
  const kafka = new Kafka({ clientId: 'fanout-bench', brokers: requireEnv('KAFKA_BROKERS').split(','), logLevel: logLevel.NOTHING });
  const db = new Client({ connectionString: requireEnv('DATABASE_URL') });
  await db.connect();
  const schema = await db.query<{ ok: boolean }>(`SELECT to_regclass('public.events') IS NOT NULL AS ok`);
  if (!schema.rows[0].ok) throw new Error('schema missing: start any service once (it migrates), e.g. run the integration tests');

  const cpu = cpus();
  console.log('fan-out benchmark');
  console.log(`machine: ${cpu.length} CPUs (nproc), ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}`);
  console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (Kafka, PostgreSQL and the fan-out share these CPUs)`);
  console.log(`events per run: ${options.events}, organizations: ${options.orgs}, partitions: ${options.partitions}, filtered endpoints per organization: ${options.filtered}`);
  const results: RunResult[] = [];
  try {
    for (const factor of options.factors) {
      const r = await runFactor(options, factor, kafka, db);
      results.push(r);
      console.log(
        `factor ${String(r.factor).padStart(2)}: ${Math.round(r.eventsPerSecond)} events/s in, ${Math.round(r.deliveriesPerSecond)} delivery messages/s out ` +
          `(${r.events} events in ${r.drainSeconds.toFixed(2)} s, ${r.transactions} fetch rounds; ${r.deliveryMessages} delivery messages; ${r.filteredOut} filtered out; publishing took ${r.produceSeconds.toFixed(2)} s)`,
      );
      console.log(
        `           fan-out used ${r.fanoutCpuSeconds.toFixed(2)} CPU s (${Math.round(r.events / r.fanoutCpuSeconds)} events and ${Math.round(r.deliveryMessages / r.fanoutCpuSeconds)} messages per CPU second); ` +
          `all CPUs ${Math.round(r.machineBusy * 100)}% busy meanwhile (Kafka, PostgreSQL, fan-out and anything else running)`,
      );
      if (r.deliveryMessages !== r.events * r.factor) console.log(`  WARNING: expected ${r.events * r.factor} delivery messages`);
    }
  } finally {
    await db.end();
  }
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

// Also a scenario of `npm run bench` (bench/scenarios/fanout.ts), which imports runFactor.
if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}

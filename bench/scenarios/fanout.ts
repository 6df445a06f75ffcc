import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, runMigrations } from '@app/persistence';
import { Options, parseOptions, runFactor, RunResult } from '../fanout.bench';
import { Result, log, round } from '../support/result';

/** Filtered endpoints per organization in `fanout-filter` (issue 16: "events/s with and without 1,000 filtered endpoints"). */
const FILTERED_ENDPOINTS = 1_000;

/**
 * The fan-out alone (built process) on a backlog of 20,000 events at fan-out 1 and 10: events/s in
 * and delivery messages/s out (see bench/fanout.bench.ts for what the interval covers).
 */
export async function fanout(): Promise<Result[]> {
  return withInfra(async (kafka, db) => {
    const options = parseOptions([]);
    const results: Result[] = [];
    for (const factor of [1, 10]) {
      log(`  fan-out factor ${factor}: ${options.events} events`);
      const r = await runFactor(options, factor, kafka, db);
      results.push(toResult(`fanout-${factor}`, `fan-out alone on a backlog of ${r.events} events, ${factor} endpoint(s) per event, ${options.orgs} organizations`, r));
    }
    return results;
  });
}

/**
 * The cost of payload filters (SPEC §10): the fan-out alone on 5,000 events of 10 organizations, each
 * with one plain endpoint, without and then with 1,000 more endpoints per organization whose filter
 * the events do not match (every event tested against 1,000 filters; same output).
 */
export async function fanoutFilter(): Promise<Result[]> {
  return withInfra(async (kafka, db) => {
    const results: Result[] = [];
    for (const filtered of [0, FILTERED_ENDPOINTS]) {
      const options: Options = { ...parseOptions([]), events: 5_000, orgs: 10, filtered, timeoutMs: 300_000 };
      log(`  fan-out with ${filtered} filtered endpoints per organization: ${options.events} events`);
      const r = await runFactor(options, 1, kafka, db);
      const summary = `fan-out alone on a backlog of ${r.events} events, ${options.orgs} organizations each with 1 plain endpoint and ${filtered} filtered ones (not matching)`;
      const result = toResult(`fanout-filter-${filtered}`, summary, r);
      result.metrics.filteredOut = r.filteredOut;
      // CPU time of the fan-out process per event: steadier than events/s on a shared, busy machine.
      result.metrics.cpuMicrosecondsPerEvent = Math.round((r.fanoutCpuSeconds * 1e6) / r.events);
      results.push(result);
    }
    const [without, withFilters] = results;
    const perEvent = (r: Result) => 1e6 / Number(r.metrics.eventsPerSecond);
    withFilters.metrics.filterMicrosecondsPerEvent = Math.round(perEvent(withFilters) - perEvent(without));
    const cpuExtra = Number(withFilters.metrics.cpuMicrosecondsPerEvent) - Number(without.metrics.cpuMicrosecondsPerEvent);
    withFilters.metrics.filterCpuMicrosecondsPerEvent = cpuExtra;
    withFilters.metrics.filterCpuNanosecondsPerTest = Math.round((cpuExtra * 1000) / FILTERED_ENDPOINTS);
    return results;
  });
}

/**
 * The cost of event-type schemas (SPEC §10): the fan-out alone on 20,000 events of 10 organizations, one
 * endpoint each, without and then with a JSON Schema for the type that every event matches (ajv,
 * compiled once; same output). Reported as fan-out CPU per event, the steadier number on a shared machine.
 */
export async function fanoutSchema(): Promise<Result[]> {
  return withInfra(async (kafka, db) => {
    const results: Result[] = [];
    for (const schema of [false, true]) {
      const options: Options = { ...parseOptions([]), events: 20_000, orgs: 10, schema, timeoutMs: 300_000 };
      log(`  fan-out ${schema ? 'with' : 'without'} a schema for the type: ${options.events} events`);
      const r = await runFactor(options, 1, kafka, db);
      const result = toResult(`fanout-schema-${schema ? 'on' : 'off'}`, `fan-out alone on a backlog of ${r.events} events, ${options.orgs} organizations with 1 endpoint each, ${schema ? 'with a JSON Schema (every event valid)' : 'no schema'} for the type`, r);
      result.metrics.cpuMicrosecondsPerEvent = Math.round((r.fanoutCpuSeconds * 1e6) / r.events);
      results.push(result);
    }
    results[1].metrics.schemaCpuMicrosecondsPerEvent = Number(results[1].metrics.cpuMicrosecondsPerEvent) - Number(results[0].metrics.cpuMicrosecondsPerEvent);
    return results;
  });
}

async function withInfra(run: (kafka: Kafka, db: Client) => Promise<Result[]>): Promise<Result[]> {
  const brokers = String(process.env.KAFKA_BROKERS).split(',');
  const databaseUrl = String(process.env.DATABASE_URL);
  // The scenario writes organizations and endpoints straight into the schema: make sure it exists.
  const dataSource = await new DataSource(dataSourceOptions(databaseUrl, 'bench')).initialize();
  await runMigrations(dataSource);
  await dataSource.destroy();

  const kafka = new Kafka({ clientId: 'bench-fanout', brokers, logLevel: logLevel.NOTHING });
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    return await run(kafka, db);
  } finally {
    await db.end();
  }
}

function toResult(scenario: string, summary: string, r: RunResult): Result {
  const expected = r.events * r.factor;
  return {
    scenario,
    summary,
    ledger: {
      published: expected,
      received: Math.min(expected, r.deliveryMessages),
      missing: Math.max(0, expected - r.deliveryMessages),
      unknown: Math.max(0, r.deliveryMessages - expected),
      duplicates: 0,
      balanced: r.deliveryMessages === expected,
    },
    metrics: {
      eventsPerSecond: Math.round(r.eventsPerSecond),
      deliveryMessagesPerSecond: Math.round(r.deliveriesPerSecond),
      transactions: r.transactions,
      fanoutCpuSeconds: round(r.fanoutCpuSeconds),
      stackCpuSecondsPer1000: round((1000 * r.stackCpuSeconds) / Math.max(1, r.deliveryMessages)),
      machineBusyPercent: Math.round(r.machineBusy * 100),
    },
  };
}

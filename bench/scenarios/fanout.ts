import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, runMigrations } from '@app/persistence';
import { parseOptions, runFactor } from '../fanout.bench';
import { Result, log, round } from '../support/result';

/**
 * The fan-out alone (built process) on a backlog of 20,000 events at fan-out 1 and 10: events/s in
 * and delivery messages/s out (see bench/fanout.bench.ts for what the interval covers).
 */
export async function fanout(): Promise<Result[]> {
  const brokers = String(process.env.KAFKA_BROKERS).split(',');
  const databaseUrl = String(process.env.DATABASE_URL);
  // The scenario writes organizations and endpoints straight into the schema: make sure it exists.
  const dataSource = await new DataSource(dataSourceOptions(databaseUrl, 'bench')).initialize();
  await runMigrations(dataSource);
  await dataSource.destroy();

  const kafka = new Kafka({ clientId: 'bench-fanout', brokers, logLevel: logLevel.NOTHING });
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const options = parseOptions([]);
  const results: Result[] = [];
  try {
    for (const factor of [1, 10]) {
      log(`  fan-out factor ${factor}: ${options.events} events`);
      const r = await runFactor(options, factor, kafka, db);
      const expected = r.events * factor;
      results.push({
        scenario: `fanout-${factor}`,
        summary: `fan-out alone on a backlog of ${r.events} events, ${factor} endpoint(s) per event, ${options.orgs} organizations`,
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
          machineBusyPercent: Math.round(r.machineBusy * 100),
        },
      });
    }
  } finally {
    await db.end();
  }
  return results;
}

/*
 * The fan-out's event-log write (decision 0036): `calls` batches of `batchSize` events (1: a round at low rates)
 * through EventRepository.recordBatch on one connection, with the PostgreSQL backend's CPU per call (from
 * /proc: PostgreSQL on this machine) and the wall time per call, on an events table of `tableRows` rows (the table
 * as it is, topped up with rows of a throwaway organization, deleted after). The planner's choice depends on the
 * table's size: run it at 2,000 and at 50,000.
 *
 *   DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/webhooks npx ts-node --transpile-only -r tsconfig-paths/register bench/event-log-insert.bench.ts 2000 2000 1
 */
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { EventRepository, IncomingEvent, dataSourceOptions } from '@app/persistence';
import { cpuSeconds } from './support/cpu-usage';

async function main(): Promise<void> {
  const calls = Number(process.argv[2] ?? 2000);
  const tableRows = Number(process.argv[3] ?? 2000);
  const batchSize = Number(process.argv[4] ?? 1);
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: point it at the PostgreSQL of `npm run infra` (it prints it)');
  const options = dataSourceOptions(url, 'event-log-insert-bench');
  const db = new DataSource({ ...options, extra: { ...(options.extra as object), max: 1 } });
  await db.initialize();
  const org = `org_bench_${randomUUID().slice(0, 8)}`;
  try {
    const [{ n }]: Array<{ n: number }> = await db.query('SELECT count(*)::int AS n FROM events');
    if (n < tableRows) {
      await db.query(
        `INSERT INTO events (organization_id, id, type, mode, data, occurred_at, source_topic, source_partition, source_offset)
         SELECT $1, 'evt_fill_' || g, 'order.new', 'live', '{"n":1}'::jsonb, now(), 'webhook.order.new', 0, g FROM generate_series(1, $2::int) g`,
        [org, tableRows - n],
      );
    }
    await db.query('ANALYZE events');
    const [{ pid }]: Array<{ pid: number }> = await db.query('SELECT pg_backend_pid() AS pid');
    const events = new EventRepository(db);
    const record = (i: number): IncomingEvent => ({
      event: { organizationId: org, id: `evt_${i}`, type: 'order.new', mode: 'live', data: { orderId: i, total: 12.5, items: [{ sku: 'a', qty: 1 }] }, occurredAt: new Date().toISOString() },
      topic: 'webhook.order.new',
      partition: 0,
      offset: String(i),
    });
    const batch = (call: number): IncomingEvent[] => Array.from({ length: batchSize }, (_, j) => record(call * batchSize + j));
    for (let i = 0; i < 50; i++) await events.recordBatch(batch(-1 - i));
    const [cpu0, t0] = [cpuSeconds(pid), performance.now()];
    for (let i = 0; i < calls; i++) await events.recordBatch(batch(i));
    const [cpu1, t1] = [cpuSeconds(pid), performance.now()];
    console.log(
      `${calls} batches of ${batchSize} event(s) on an events table of ${Math.max(n, tableRows)} rows: backend CPU ${(((cpu1 - cpu0) * 1000) / calls).toFixed(3)} ms per call, wall ${((t1 - t0) / calls).toFixed(3)} ms per call`,
    );
  } finally {
    await db.query('DELETE FROM events WHERE organization_id = $1', [org]);
    await db.destroy();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

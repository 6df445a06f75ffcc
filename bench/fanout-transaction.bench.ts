/*
 * One fan-out transaction at a time, as the fan-out makes them at low rates (decision 0021): the time from
 * begin to committed of a one-message transaction with its consumed offset, through the fan-out's own
 * TransactionalProducer, two transactional ids used in turn (as each fan-out instance has, decisions 0017 and 0031) and
 * 10 ms between transactions; then the broker's time for each request (kafkajs REQUEST events, whole ms).
 * Topics are created for the run and deleted after; the first transactions on a new topic are slow (see
 * bench/transaction-retry.bench.js), so the first 20 are not counted.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 npx ts-node --transpile-only -r tsconfig-paths/register bench/fanout-transaction.bench.ts 500
 *
 * To compare with a commit before decision 0021, run the same file from a checkout of that commit (its
 * TransactionalProducer ignores the request listener, so only the first line is printed).
 */
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { TransactionalProducer } from '../apps/fanout/src/transactional-producer';

const WARM_UP = 20;

async function main(): Promise<void> {
  const transactions = Number(process.argv[2] ?? 500);
  const kafka = new Kafka({ clientId: 'fanout-transaction-bench', brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const run = Date.now().toString(36);
  const [out, source] = [`bench-fanout-txn-out-${run}`, `bench-fanout-txn-in-${run}`];
  await admin.createTopics({ topics: [{ topic: out, numPartitions: 1 }, { topic: source, numPartitions: 1 }], waitForLeaders: true });
  const requestMs = new Map<string, number[]>();
  let counting = false;
  const producers = [0, 1].map(
    (i) =>
      new TransactionalProducer(kafka, `bench-fanout-txn-${run}-${i}`, pino({ level: 'silent' }), 30_000, (request) => {
        if (counting) requestMs.set(request.apiName, [...(requestMs.get(request.apiName) ?? []), request.duration]);
      }),
  );
  try {
    for (const p of producers) await p.connect();
    const times: number[] = [];
    for (let i = 0; i < WARM_UP + transactions; i++) {
      counting = i >= WARM_UP;
      const started = performance.now();
      const transaction = await producers[i % 2].begin();
      await transaction.send([{ topic: out, messages: [{ key: `k${i}`, value: 'x'.repeat(300), partition: 0 }] }]);
      await transaction.commit({ consumerGroupId: `bench-fanout-txn-${run}`, topics: [{ topic: source, partitions: [{ partition: 0, offset: String(i + 1) }] }] });
      if (counting) times.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 10));
    }
    console.log(`${transactions} transactions, begin to committed: ${percentiles(times, 2)} ms`);
    for (const [api, ms] of requestMs) console.log(`  ${api}: ${ms.length} requests, ${percentiles(ms, 0)} ms`);
  } finally {
    for (const p of producers) await p.disconnect();
    await admin.deleteTopics({ topics: [out, source] }).catch(() => undefined);
    await admin.disconnect();
  }
}

function percentiles(values: number[], digits: number): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(digits);
  return `p50 ${at(0.5)} / p90 ${at(0.9)} / p99 ${at(0.99)}`;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

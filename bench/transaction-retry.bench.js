/*
 * Why the fan-out's transactional producer retries after 20 ms (apps/fanout/src/transactional-producer.ts):
 * 150 back-to-back Kafka transactions (20 messages + sendOffsets + commit), timed per phase, with a
 * given first retry wait. The coordinator answers EndTxn before writing the markers, so the next
 * transaction's AddPartitionsToTxn usually meets CONCURRENT_TRANSACTIONS and waits one retry.
 *
 * The topic is created for the run, and a new topic's first ~10 transactions wait on CONCURRENT_TRANSACTIONS for
 * 150-1,400 ms (the markers to its new partitions are slow to complete): the `max` column is that, not the steady
 * state. On a topic that already existed (and a new transactional id) 8 of 8 runs had max 31-50 ms (2026-12-04).
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 node bench/transaction-retry.bench.js 300   # kafkajs' default first wait
 *   KAFKA_BROKERS=127.0.0.1:9092 node bench/transaction-retry.bench.js 20    # the fan-out's wait before decision 0017
 *   KAFKA_BROKERS=127.0.0.1:9092 node bench/transaction-retry.bench.js 2 1.5 # first wait, then each wait times 1.5
 */
const { Kafka, logLevel } = require('kafkajs');

const initialRetryTime = Number(process.argv[2] ?? 300);
const multiplier = Number(process.argv[3] ?? 2);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const run = Date.now().toString(36);

(async () => {
  // The fan-out's retry budget (TRANSACTION_RETRY): with 10 retries from 2 ms, the coordinator's refusals, which
  // now and then last hundreds of ms, used up kafkajs' retries and the run died at the first of them.
  const retry = { initialRetryTime, multiplier, maxRetryTime: 5_000, retries: 30 };
  const kafka = new Kafka({ clientId: 'txn-bench', brokers, logLevel: logLevel.NOTHING, retry });
  const admin = kafka.admin();
  await admin.connect();
  const out = `bench-txn-out-${run}`;
  await admin.createTopics({ topics: [{ topic: out, numPartitions: 12 }], waitForLeaders: true });
  const producer = kafka.producer({ transactionalId: `bench-txn-${run}`, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const phases = { send: [], offsets: [], commit: [], total: [] };
  for (let i = 0; i < 150; i++) {
    const t0 = performance.now();
    const tx = await producer.transaction();
    await tx.sendBatch({ topicMessages: [{ topic: out, messages: Array.from({ length: 20 }, (_, j) => ({ key: `k${i * 20 + j}`, value: 'x'.repeat(500) })) }], acks: -1 });
    const t1 = performance.now();
    await tx.sendOffsets({ consumerGroupId: `bench-txn-${run}`, topics: [{ topic: out, partitions: [{ partition: 0, offset: String(i) }] }] });
    const t2 = performance.now();
    await tx.commit();
    const t3 = performance.now();
    phases.send.push(t1 - t0);
    phases.offsets.push(t2 - t1);
    phases.commit.push(t3 - t2);
    phases.total.push(t3 - t0);
  }
  console.log(`first retry wait ${initialRetryTime} ms, multiplier ${multiplier}, 150 transactions (ms):`);
  for (const [name, values] of Object.entries(phases)) {
    values.sort((a, b) => a - b);
    const at = (q) => values[Math.min(values.length - 1, Math.floor(q * values.length))].toFixed(1);
    console.log(`  ${name.padEnd(8)} p50 ${at(0.5)}  p90 ${at(0.9)}  max ${at(1)}`);
  }
  await producer.disconnect();
  await admin.deleteTopics({ topics: [out] });
  await admin.disconnect();
})().catch((err) => {
  console.error(err);
  process.exit(1);
});

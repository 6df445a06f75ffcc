#!/usr/bin/env node
'use strict';
// Publishes a plausible domain event every 2 s for DEMO_ORGANIZATION_ID, as a Sourcehub service would (SPEC §3).
const { Kafka, logLevel, Partitioners } = require('kafkajs');
const crypto = require('crypto');

const organizationId = process.env.DEMO_ORGANIZATION_ID;
const brokers = (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',');
if (!organizationId) {
  console.error('DEMO_ORGANIZATION_ID is required');
  process.exit(78);
}

const samples = [
  ['order.new', () => ({ orderId: `ord_${crypto.randomInt(1e6)}`, total: crypto.randomInt(1000, 50000) / 100, currency: 'EUR' })],
  ['customer.created', () => ({ customerId: `cus_${crypto.randomInt(1e6)}`, email: `buyer${crypto.randomInt(1000)}@example.com` })],
  ['product.updated', () => ({ productId: `prod_${crypto.randomInt(1e4)}`, price: crypto.randomInt(100, 9999) / 100 })],
];

async function main() {
  const producer = new Kafka({ clientId: 'demo-producer', brokers, logLevel: logLevel.WARN }).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  let n = 0;
  const publishNext = async () => {
    const [type, data] = samples[n++ % samples.length];
    const event = { id: `evt_${crypto.randomUUID()}`, type, organizationId, mode: 'live', occurredAt: new Date().toISOString(), data: data() };
    await producer.send({ topic: type, messages: [{ key: organizationId, value: JSON.stringify(event) }] });
    console.log(`[producer] published ${String(type)} ${event.id}`);
  };
  // A failed publish ends the demo with its error rather than going on as if it had been sent.
  const timer = setInterval(() => void publishNext().catch(fail), 2000);
  const stop = async () => {
    clearInterval(timer);
    await producer.disconnect();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

function fail(err) {
  console.error(`[producer] ${err.message}`);
  process.exit(1);
}

main().catch(fail);

// Publishes a plausible domain event every 2 s for DEMO_ORGANIZATION_ID, as a Sourcehub service would:
// through the producer library (libs/producer), which checks the contract and picks topic and key (SPEC §3).
// Run by `npm start` with ts-node (scripts/start.js).
import { randomInt } from 'node:crypto';
import { EventPublisher, PublishEventInput } from '@app/producer';

const organizationId = process.env.DEMO_ORGANIZATION_ID;
if (!organizationId) {
  console.error('DEMO_ORGANIZATION_ID is required');
  process.exit(78);
}
const publisher = new EventPublisher({ brokers: (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(','), clientId: 'demo-producer' });

const samples: Array<() => Pick<PublishEventInput, 'type' | 'data'>> = [
  () => ({ type: 'order.new', data: { orderId: `ord_${randomInt(1e6)}`, total: randomInt(1000, 50000) / 100, currency: 'EUR' } }),
  () => ({ type: 'customer.created', data: { customerId: `cus_${randomInt(1e6)}`, email: `buyer${randomInt(1000)}@example.com` } }),
  () => ({ type: 'product.updated', data: { productId: `prod_${randomInt(1e4)}`, price: randomInt(100, 9999) / 100 } }),
];

let n = 0;
let busy = false;
const timer = setInterval(() => {
  if (busy) return;
  busy = true;
  const sample = samples[n++ % samples.length]();
  publisher
    .publishEvent({ ...sample, organizationId, mode: 'live' })
    .then((published) => console.log(`[producer] published ${published.topic} ${published.id}`))
    .catch((err: Error) => console.error(`[producer] ${err.message}`))
    .finally(() => (busy = false));
}, 2000);

const stop = async () => {
  clearInterval(timer);
  await publisher.disconnect();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());

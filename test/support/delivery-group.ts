import { Producer } from 'kafkajs';
import { deliveryIdFor } from '@app/contracts';
import { resetWorld, startStack, testProducer } from './stack';
import { createEndpoint, createOrg } from '../subscriptions/admin-api';
import { ServiceProcess, startDeliveryInstances } from './service-process';

/**
 * The suites about the delivery group share this: a fresh world, the admin API and the fan-out in
 * this process, a producer, and `count` delivery instances as processes of one consumer group.
 */
export class DeliveryGroupStack {
  stack!: Awaited<ReturnType<typeof startStack>>;
  producer!: Producer;
  instances: ServiceProcess[] = [];

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly count = 2,
  ) {}

  get apiUrl(): string {
    return this.stack.apiUrl;
  }

  async start(): Promise<this> {
    await resetWorld();
    this.stack = await startStack(this.env, ['subscriptions', 'fanout']);
    this.producer = await testProducer();
    this.instances = await startDeliveryInstances(this.env, this.count);
    return this;
  }

  /** An organization with one live endpoint per URL, for every event type. */
  async organizationWithEndpoints(name: string, urls: string[]): Promise<{ id: string; apiKey: string; endpointIds: string[] }> {
    const org = await createOrg(this.apiUrl, name);
    const endpointIds: string[] = [];
    for (const url of urls) endpointIds.push((await createEndpoint(this.apiUrl, org, { url, mode: 'live' })).id);
    return { ...org, endpointIds };
  }

  /** Publishes `count` order.new events of the organization at once; returns the deliveries expected (delivery id -> endpoint id). */
  async publishOrders(org: { id: string; endpointIds: string[] }, prefix: string, count: number): Promise<Map<string, string>> {
    const expected = new Map<string, string>();
    const messages = [];
    for (let i = 0; i < count; i++) {
      const id = `${prefix}_${i}`;
      messages.push({ key: org.id, value: JSON.stringify({ id, type: 'order.new', organizationId: org.id, mode: 'live', occurredAt: new Date().toISOString(), data: { i } }) });
      for (const ep of org.endpointIds) expected.set(deliveryIdFor(org.id, id, ep), ep);
    }
    await this.producer.send({ topic: 'order.new', messages, acks: -1 });
    return expected;
  }

  async stop(signal: NodeJS.Signals): Promise<void> {
    await Promise.all(this.instances.map((i) => i.stop(signal)));
    await this.producer?.disconnect();
    await this.stack?.stop();
  }
}

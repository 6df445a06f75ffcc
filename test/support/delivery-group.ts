import { Producer } from 'kafkajs';
import { resetWorld, startStack, testProducer } from './stack';
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

  async stop(signal: NodeJS.Signals): Promise<void> {
    await Promise.all(this.instances.map((i) => i.stop(signal)));
    await this.producer?.disconnect();
    await this.stack?.stop();
  }
}

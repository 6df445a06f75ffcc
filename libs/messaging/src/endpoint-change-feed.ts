import { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { EndpointChange, Topics } from '@app/contracts';

/**
 * Every instance must see every change, so each one reads the change topic in a group of its own,
 * from the latest offset, committing nothing: a restarted instance starts with an empty cache anyway.
 */
export class EndpointChangeFeed {
  private consumer: Consumer | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly instanceId: string,
    private readonly logger: Logger,
  ) {}

  async start(onChange: (change: EndpointChange) => void): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: `webhooks-endpoint-changes-${this.instanceId}-${Date.now()}`,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 200,
    });
    await consumer.connect();
    await consumer.subscribe({ topic: Topics.endpointChanges, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        try {
          onChange(JSON.parse(message.value?.toString('utf8') ?? '') as EndpointChange);
        } catch (err) {
          // A change notice we cannot read only costs cache freshness (the TTL still applies).
          this.logger.warn({ err }, 'unreadable endpoint change notice');
        }
      },
    });
    this.consumer = consumer;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = null;
  }
}

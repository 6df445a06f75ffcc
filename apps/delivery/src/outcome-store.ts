import { Injectable } from '@nestjs/common';
import { Message } from 'kafkajs';
import { KafkaProducer } from '@app/messaging';
import { AttemptRecord, DeliveryRepository } from '@app/persistence';
import { AttemptResult } from './delivery.service';

/**
 * Makes a round of outcomes durable before their offsets may be committed: Kafka first (the retry
 * or dead-letter message must exist), then the attempt log. A crash between them re-attempts,
 * never loses. When only the attempt log failed, the engine hands the same outcomes in again and
 * the messages already acknowledged are not produced twice (that would duplicate retries). The
 * attempt log is one PostgreSQL transaction, so a failed write left nothing behind.
 */
@Injectable()
export class OutcomeStore {
  constructor(
    private readonly producer: KafkaProducer,
    private readonly deliveries: DeliveryRepository,
  ) {}

  async persist(outcomes: readonly AttemptResult[]): Promise<void> {
    const unproduced = outcomes.filter((o) => !o.produced && o.next !== null);
    if (unproduced.length > 0) {
      const byTopic = new Map<string, Message[]>();
      for (const { next } of unproduced) {
        const messages = byTopic.get(next!.topic);
        if (messages) messages.push(next!.message);
        else byTopic.set(next!.topic, [next!.message]);
      }
      await this.producer.sendBatch([...byTopic].map(([topic, messages]) => ({ topic, messages })));
      for (const o of unproduced) o.produced = true;
    }
    const records: AttemptRecord[] = [];
    for (const o of outcomes) if (o.record) records.push(o.record);
    await this.deliveries.recordBatch(records);
  }
}

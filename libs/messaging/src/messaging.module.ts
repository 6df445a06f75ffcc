import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Kafka, Message, Partitioners, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { createKafka } from './kafka-client';
import { splitIntoRequests } from './produce-requests';

/** Half the broker's default message.max.bytes (1 MiB), leaving room for batch and record overhead. */
const MAX_REQUEST_BYTES = 512 * 1024;

export const KAFKA = Symbol('KAFKA');
export const APP_LOGGER = Symbol('APP_LOGGER');

/**
 * An idempotent producer shared by a service. `send` resolves once every replica in sync has the
 * messages (acks -1), so callers may commit whatever depends on them afterwards.
 */
@Injectable()
export class KafkaProducer implements OnModuleInit, OnApplicationShutdown {
  private readonly producer: Producer;

  constructor(@Inject(KAFKA) kafka: Kafka) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  }

  async onModuleInit(): Promise<void> {
    await this.producer.connect();
  }

  async send(topic: string, messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    await this.producer.send({ topic, messages, acks: -1 });
  }

  /** Any number of messages: split into requests the broker accepts (see splitIntoRequests), sent one after another. */
  async sendBatch(batches: Array<{ topic: string; messages: Message[] }>): Promise<void> {
    for (const topicMessages of splitIntoRequests(batches, MAX_REQUEST_BYTES)) await this.producer.sendBatch({ topicMessages, acks: -1 });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
  }
}

@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: { brokers: string[]; clientId: string; logger: Logger }): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        { provide: APP_LOGGER, useValue: options.logger },
        { provide: KAFKA, useValue: createKafka(options.brokers, options.clientId, options.logger) },
        KafkaProducer,
      ],
      exports: [KAFKA, APP_LOGGER, KafkaProducer],
    };
  }
}

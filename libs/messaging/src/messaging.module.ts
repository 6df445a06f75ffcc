import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { Kafka, Message, Partitioners, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { producerStateLost } from '@app/producer';
import { createKafka } from './kafka-client';
import { withinDeadline } from './kafka-unavailable';
import { splitIntoRequests } from './produce-requests';

/** Half the broker's default message.max.bytes (1 MiB), leaving room for batch and record overhead. */
const MAX_REQUEST_BYTES = 512 * 1024;

export const KAFKA = Symbol('KAFKA');
export const APP_LOGGER = Symbol('APP_LOGGER');
export const PRODUCER_DEADLINE = Symbol('PRODUCER_DEADLINE');

/**
 * For a producer that someone waits on (an HTTP request): every send settles within `sendTimeoutMs`,
 * and a broker that is away is a KafkaUnavailableError, not minutes of retries.
 */
export interface ProducerDeadline {
  sendTimeoutMs: number;
}

/**
 * A producer shared by a service (idempotent unless under a deadline). `send` resolves once every
 * replica in sync has the messages (acks -1), so callers may commit whatever depends on them afterwards.
 */
@Injectable()
export class KafkaProducer implements OnModuleInit, OnApplicationShutdown {
  private producer: Producer;
  private connected: Promise<void> | null = null;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Optional() @Inject(PRODUCER_DEADLINE) private readonly deadline?: ProducerDeadline,
  ) {
    this.producer = this.newProducer();
  }

  private newProducer(): Producer {
    const deadline = this.deadline;
    return this.kafka.producer({
      maxInFlightRequests: 5,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // An idempotent kafkajs producer retries a send forever (the admin API's hung for minutes with the
      // broker away, and would publish long after answering 503). Under a deadline its retries stop a
      // few seconds after it instead; without idempotence, since kafkajs refuses bounded retries with it.
      // A retried send may then be written twice: the consumers of what such a service publishes (change
      // notices, resends and test deliveries keyed by delivery id) take a duplicate as a no-op.
      ...(deadline ? { idempotent: false, retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 3 } } : { idempotent: true }),
    });
  }

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  private connect(): Promise<void> {
    this.connected ??= this.producer.connect().catch((err: unknown) => {
      this.connected = null;
      throw err;
    });
    return this.connected;
  }

  async send(topic: string, messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    await this.sending((p) => p.send({ topic, messages, acks: -1 }));
  }

  /** Any number of messages: split into requests the broker accepts (see splitIntoRequests), sent one after another. */
  async sendBatch(batches: Array<{ topic: string; messages: Message[] }>): Promise<void> {
    for (const topicMessages of splitIntoRequests(batches, MAX_REQUEST_BYTES)) await this.sending((p) => p.sendBatch({ topicMessages, acks: -1 }));
  }

  /**
   * After a failover the idempotent producer can lose its sequence state on the broker and kafkajs then
   * fails every later send: that send fails (the caller's retry path takes it), the next ones go through a
   * new producer id (as EventPublisher does).
   */
  private async sending<T>(send: (p: Producer) => Promise<T>): Promise<T> {
    await this.connect();
    const producer = this.producer;
    try {
      return await this.bounded(send(producer));
    } catch (err) {
      if (producerStateLost(err) && producer === this.producer) {
        this.producer = this.newProducer();
        this.connected = null;
        await producer.disconnect().catch(() => undefined);
      }
      throw err;
    }
  }

  /**
   * Without a deadline, as kafkajs does it. With one, a send that is not acknowledged in time is
   * reported as KafkaUnavailableError (kafkajs may still deliver it: a retry then duplicates it, which
   * every consumer of these topics tolerates), and so is a failure that means the broker is away.
   */
  private bounded<T>(sending: Promise<T>): Promise<T> {
    return this.deadline ? withinDeadline(sending, this.deadline.sendTimeoutMs, 'acknowledge the message') : sending;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
    this.connected = null;
  }
}

@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: { brokers: string[]; clientId: string; logger: Logger; producerDeadline?: ProducerDeadline }): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        { provide: APP_LOGGER, useValue: options.logger },
        ...(options.producerDeadline ? [{ provide: PRODUCER_DEADLINE, useValue: options.producerDeadline }] : []),
        { provide: KAFKA, useValue: createKafka(options.brokers, options.clientId, options.logger) },
        KafkaProducer,
      ],
      exports: [KAFKA, APP_LOGGER, KafkaProducer],
    };
  }
}

import { Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { EventCheck, InvalidEventError, prepareEvent, PreparedEvent, PublishEventInput } from './prepare-event';

export interface EventPublisherOptions {
  /** `host:port` of the brokers (KAFKA_BROKERS), or a kafkajs client the service already has. */
  brokers?: string[];
  kafka?: Kafka;
  clientId?: string;
  /** Extra checks after the contract's (e.g. the event type's JSON Schema); the first failure refuses the event. */
  checks?: EventCheck[];
  /** How long one publish may wait for the broker before it fails (kafkajs request timeout). Default 10 s. */
  timeoutMs?: number;
}

/** A published event: its id (generated when not given) and topic. */
export interface PublishedEvent {
  id: string;
  topic: string;
}

/**
 * Errors after which the broker no longer accepts this idempotent producer's sequence numbers. After a
 * failover kafkajs can get there (its sequences and the new leader's disagree) and then fails every later
 * send to that partition, for good: only a new producer id, whose sequences start again at 0, gets out.
 */
const PRODUCER_STATE_LOST = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID']);

/** The send failed because the broker lost track of this idempotent producer's sequences (see PRODUCER_STATE_LOST). */
export function producerStateLost(err: unknown): boolean {
  for (let e = err as { type?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.type && PRODUCER_STATE_LOST.has(e.type)) return true;
  }
  return false;
}

/**
 * Publishes Sourcehub domain events (SPEC §3) the way the webhooks pipeline expects them: validated
 * against the contract before sending, topic = event type, key = organization id (one organization's
 * events stay in order), through an idempotent producer (a retried send is not written twice) with
 * acks from every in-sync replica. `publishEvent` resolves once the broker has the event; when it
 * rejects, the broker may or may not have the events (publish them again with the same ids: the pipeline
 * takes an event id once). A send that finds the producer's sequence state lost fails, and the next one
 * goes through a new producer.
 */
export class EventPublisher {
  private producer: Producer;
  private readonly kafka: Kafka;
  private readonly checks: EventCheck[];
  private connected: Promise<void> | null = null;

  constructor(options: EventPublisherOptions) {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const kafka =
      options.kafka ??
      new Kafka({
        clientId: options.clientId ?? 'sourcehub-event-publisher',
        brokers: options.brokers ?? [],
        requestTimeout: timeoutMs,
        retry: { retries: 5, maxRetryTime: 2_000 },
        // Not WARN: kafkajs would warn on every start that the retries are bounded, which they are on purpose.
        logLevel: logLevel.ERROR,
      });
    if (!options.kafka && (options.brokers ?? []).length === 0) throw new Error('EventPublisher needs brokers (e.g. KAFKA_BROKERS) or a kafka client');
    this.checks = options.checks ?? [];
    this.kafka = kafka;
    this.producer = this.newProducer();
  }

  private newProducer(): Producer {
    return this.kafka.producer({ idempotent: true, maxInFlightRequests: 5, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  }

  /** Connects once; publishEvent connects on first use, so calling this is optional. */
  connect(): Promise<void> {
    this.connected ??= this.producer.connect().catch((err: unknown) => {
      this.connected = null;
      throw err;
    });
    return this.connected;
  }

  async publishEvent(input: PublishEventInput): Promise<PublishedEvent> {
    return (await this.publishEvents([input]))[0];
  }

  /**
   * Several events in one request (grouped by topic), all validated before any is sent: one bad
   * event refuses the call and nothing is published. Results are in the order of `inputs`.
   */
  async publishEvents(inputs: readonly PublishEventInput[]): Promise<PublishedEvent[]> {
    const now = new Date();
    const prepared: PreparedEvent[] = [];
    for (const [i, input] of inputs.entries()) {
      try {
        const p = prepareEvent(input, now);
        await this.runChecks(p);
        prepared.push(p);
      } catch (err) {
        if (err instanceof InvalidEventError && inputs.length > 1) throw new InvalidEventError(`[${i}].${err.field}`, err.reason);
        throw err;
      }
    }
    if (prepared.length === 0) return [];
    await this.connect();
    const byTopic = new Map<string, PreparedEvent[]>();
    for (const p of prepared) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p]);
    const topicMessages = [...byTopic].map(([topic, events]) => ({ topic, messages: events.map((e) => ({ key: e.key, value: e.value })) }));
    const producer = this.producer;
    try {
      await producer.sendBatch({ topicMessages, acks: -1 });
    } catch (err) {
      if (producerStateLost(err) && producer === this.producer) await this.replaceProducer();
      throw err;
    }
    return prepared.map((p) => ({ id: p.event.id, topic: p.topic }));
  }

  private async runChecks(p: PreparedEvent): Promise<void> {
    for (const check of this.checks) {
      const failure = await check(p.event);
      if (failure) throw new InvalidEventError(failure.field, failure.reason);
    }
  }

  /** Sends already under way on the old producer fail or finish on it; the next ones connect the new one. */
  private async replaceProducer(): Promise<void> {
    const old = this.producer;
    this.producer = this.newProducer();
    this.connected = null;
    await old.disconnect().catch(() => undefined);
  }

  async disconnect(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
    this.connected = null;
  }
}

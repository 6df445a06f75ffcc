import { Inject, Injectable } from '@nestjs/common';
import { Message } from 'kafkajs';
import { Counter } from 'prom-client';
import { DeliveryConfig } from '@app/config';
import { domainEventRecord, endpointDisabledEvent, Topics } from '@app/contracts';
import { EndpointChangePublisher, KafkaProducer } from '@app/messaging';
import { MetricsRegistry } from '@app/observability';
import { AttemptRecord, DeliveryRepository, DisabledEndpoint, EndpointDirectory, StrictEndpointRef, StrictQueueRepository } from '@app/persistence';
import { AttemptSignal, disableDecision, summariseHealth } from '@app/webhooks';
import { AttemptResult, OutgoingRecord } from './delivery.service';

/**
 * Makes a round of outcomes durable before their offsets may be committed: Kafka first (the retry
 * or dead-letter message and the `webhook.delivery.exhausted` events must exist), then the attempt
 * log with the endpoints' health in one PostgreSQL transaction. An endpoint that transaction
 * disables has its `webhook.endpoint.disabled` event produced before the transaction commits, so
 * neither the disable nor its event can be committed without the other; a redo after a crash
 * produces the same event id, which the fan-out's event log drops.
 *
 * When only the attempt log failed, the engine hands the same outcomes in again and the messages
 * already acknowledged are not produced twice (that would duplicate retries).
 */
@Injectable()
export class OutcomeStore {
  private readonly disabledTotal: Counter<'reason'>;
  /** Told which strict endpoints got deliveries parked, once they are durable (the strict drainer listens). */
  onParked: ((endpoints: StrictEndpointRef[]) => void) | null = null;
  private readonly deadLetters: Counter<'reason'>;

  constructor(
    private readonly producer: KafkaProducer,
    private readonly deliveries: DeliveryRepository,
    private readonly strictQueue: StrictQueueRepository,
    private readonly directory: EndpointDirectory,
    private readonly changes: EndpointChangePublisher,
    @Inject(DeliveryConfig) private readonly config: DeliveryConfig,
    metrics: MetricsRegistry,
  ) {
    this.disabledTotal = new Counter({
      name: 'webhooks_endpoints_disabled_total',
      help: 'Endpoints the platform disabled, by reason (gone: 410 Gone; failing: no success for ENDPOINT_DISABLE_AFTER_SECONDS)',
      labelNames: ['reason'],
      registers: [metrics.registry],
    });
    this.deadLetters = new Counter({
      name: 'webhooks_delivery_dead_letters_total',
      help: 'Deliveries written to the dead-letter topic, by reason (exhausted: the last attempt failed; unreadable: a delivery message that could not be decoded)',
      labelNames: ['reason'],
      registers: [metrics.registry],
    });
  }

  async persist(outcomes: readonly AttemptResult[]): Promise<void> {
    const unproduced = outcomes.filter((o) => !o.produced && (o.next !== null || (o.raised?.length ?? 0) > 0));
    if (unproduced.length > 0) {
      await this.produce(unproduced.flatMap((o) => [...(o.next ? [o.next] : []), ...(o.raised ?? [])]));
      for (const o of unproduced) {
        o.produced = true;
        // Counted once the broker has it, and once: a write retried after the database failed produces nothing again.
        if (o.next?.topic === Topics.deadLetters) this.deadLetters.inc({ reason: o.record ? 'exhausted' : 'unreadable' });
      }
    }
    // In the order the engine settled them: a strict endpoint's queue order.
    const parks = outcomes.flatMap((o) => (o.park ? [o.park] : []));
    await this.strictQueue.park(parks);
    const records: AttemptRecord[] = [];
    const signals: AttemptSignal[] = [];
    for (const o of outcomes) {
      if (o.record) records.push(o.record);
      if (o.signal) signals.push(o.signal);
    }
    const disabled = await this.deliveries.recordBatch(records, {
      updates: summariseHealth(signals),
      decide: (state) => disableDecision(state, Date.now(), this.config.ENDPOINT_DISABLE_AFTER_SECONDS),
      beforeCommit: (endpoints) => this.produce(endpoints.filter((e) => e.notify).map((e) => domainEventRecord(endpointDisabledEvent(e, e.reason, new Date())))),
    });
    if (disabled.length > 0) await this.announce(disabled);
    if (parks.length > 0) {
      const endpoints = new Map(parks.map((p) => [p.endpointId, { organizationId: p.organizationId, endpointId: p.endpointId }]));
      this.onParked?.([...endpoints.values()]);
    }
  }

  /** Every instance drops the organization's cached endpoints, so the disabled one's pending deliveries are discarded. */
  private async announce(disabled: readonly DisabledEndpoint[]): Promise<void> {
    for (const e of disabled) {
      this.disabledTotal.inc({ reason: e.reason });
      this.directory.invalidate(e.organizationId);
      await this.changes.publish({ organizationId: e.organizationId, endpointId: e.id, change: 'updated' });
    }
  }

  private async produce(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const { topic, message } of records) {
      const messages = byTopic.get(topic);
      if (messages) messages.push(message);
      else byTopic.set(topic, [message]);
    }
    await this.producer.sendBatch([...byTopic].map(([topic, messages]) => ({ topic, messages })));
  }
}

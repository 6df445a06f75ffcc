import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsRegistry, PipelineStageMetrics } from '@app/observability';
import { QuarantineKind } from './quarantine';

/** Counted after the transaction commits, so a re-read batch is not counted twice. */
@Injectable()
export class FanoutMetrics {
  readonly eventsIn: Counter;
  readonly duplicates: Counter;
  readonly deliveriesOut: Counter;
  readonly filteredOut: Counter;
  readonly filterErrors: Counter;
  readonly quarantined: Counter<'kind'>;
  readonly roundSeconds: Histogram;
  readonly consumerRestarts: Counter<'reason'>;
  readonly rewinds: Counter<'reason'>;
  readonly subscribedTopics: Gauge;
  readonly stages: PipelineStageMetrics;

  constructor(metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    this.eventsIn = new Counter({ name: 'webhooks_fanout_events_total', help: 'Domain events accepted (new, not duplicates)', registers });
    this.duplicates = new Counter({ name: 'webhooks_fanout_duplicate_events_total', help: 'Domain events skipped as a repeat of an id already in the event log', registers });
    this.deliveriesOut = new Counter({ name: 'webhooks_fanout_delivery_messages_total', help: 'Delivery messages written', registers });
    this.filteredOut = new Counter({
      name: 'webhooks_fanout_filtered_out_total',
      help: 'Deliveries not created because the endpoint wanted the event type but its filter did not match the event',
      registers,
    });
    this.filterErrors = new Counter({
      name: 'webhooks_fanout_filter_errors_total',
      help: 'Endpoint filters that failed on an event (checked when stored, so a defect); the event was delivered unfiltered',
      registers,
    });
    this.quarantined = new Counter({
      name: 'webhooks_fanout_quarantined_total',
      help: 'Domain messages quarantined for breaking the contract, by reason',
      labelNames: ['kind'],
      registers,
    });
    this.roundSeconds = new Histogram({
      name: 'webhooks_fanout_transaction_seconds',
      help: 'Time to turn one fetch of domain records into a committed transaction',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.rewinds = new Counter({
      name: 'webhooks_fanout_rewinds_total',
      help: 'Transactions that failed to commit after their round had returned, their partition read again from their first record (fenced: taken by another instance)',
      labelNames: ['reason'],
      registers,
    });
    this.consumerRestarts = new Counter({
      name: 'webhooks_fanout_consumer_restarts_total',
      help: 'Consumer restarts by the fan-out itself (topic set changed, kafkajs gave up, unknown commit outcome)',
      labelNames: ['reason'],
      registers,
    });
    this.stages = new PipelineStageMetrics(metrics);
    this.subscribedTopics = new Gauge({ name: 'webhooks_fanout_subscribed_topics', help: 'Domain topics currently consumed', registers });
  }

  countQuarantined(kinds: Iterable<QuarantineKind>): void {
    for (const kind of kinds) this.quarantined.inc({ kind });
  }
}

import { Histogram } from 'prom-client';
import { MetricsRegistry } from './health';

/**
 * The stages of a first delivery, in order, as `webhooks_pipeline_stage_seconds{stage}` reports them.
 * Each is observed by the process that sees both of its ends (the fan-out its own two, the delivery
 * the rest, from the stage timestamps the fan-out puts on every delivery message), so no stage
 * depends on two processes' clocks agreeing except `fanout_read_to_delivery_read` and
 * `occurred_to_published` across machines.
 */
export const PIPELINE_STAGES = [
  /** The event's `occurredAt` to the domain record's Kafka timestamp: how late the producer published. */
  'occurred_to_published',
  /** Domain record timestamp to the fan-out holding it (fetch wait, fan-out lag). */
  'published_to_fanout_read',
  /** The fan-out holding the record to its transaction committing (event log, routing, produce, commit). */
  'fanout_read_to_committed',
  /** The fan-out holding the record to a delivery instance holding its delivery message (includes the previous stage). */
  'fanout_read_to_delivery_read',
  /** The delivery message in hand to its POST starting (lane queue, in-flight limits, endpoint lookup, signing). */
  'delivery_read_to_post',
  /** The POST to its answer (or the timeout). */
  'post_to_answer',
] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

/** Fine at the low end, where the latency targets are (10-30 ms), coarse beyond a second. */
export const STAGE_BUCKETS = [0.0005, 0.001, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2.5, 5, 10];

/** Observes stages of first deliveries only: retries, resends and replays wait on purpose. */
export class PipelineStageMetrics {
  private readonly seconds: Histogram<'stage'>;

  constructor(metrics: MetricsRegistry) {
    this.seconds = new Histogram({
      name: 'webhooks_pipeline_stage_seconds',
      help: 'Time a first delivery spent in each stage of the pipeline (see docs/operations.md, "Latency budget"), measured by the process that sees both ends',
      labelNames: ['stage'],
      buckets: STAGE_BUCKETS,
      registers: [metrics.registry],
    });
  }

  /** `fromMs`/`toMs`: epoch milliseconds; a negative span (clocks of two machines) counts as 0. */
  observe(stage: PipelineStage, fromMs: number, toMs: number, count = 1): void {
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || fromMs <= 0) return;
    const seconds = Math.max(0, toMs - fromMs) / 1000;
    for (let i = 0; i < count; i++) this.seconds.observe({ stage }, seconds);
  }
}

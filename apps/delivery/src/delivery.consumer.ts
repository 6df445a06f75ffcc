import { Inject, Injectable, BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { DeliveryConfig } from '@app/config';
import { RETRY_TIER_TOPIC_PATTERN, Topics } from '@app/contracts';
import { EngineEvent, EngineIo, LaneEngine, TopicPartitionOffset } from '@app/delivery-engine';
import { APP_LOGGER, EndpointChangeFeed, KAFKA, retryAtStartup } from '@app/messaging';
import { MetricsRegistry, withRequestId } from '@app/observability';
import { EndpointDirectory } from '@app/persistence';
import { AttemptResult, DeliveryService } from './delivery.service';
import { DeliveryEngine, DeliveryStream, FetchedDelivery } from './delivery-stream';
import { OutcomeStore } from './outcome-store';

/**
 * The delivery instance: one lane engine fed by two consumer groups shared by every delivery
 * instance, the deliveries topic (new deliveries, resends, test events) and the retry tiers.
 * Where a message goes next: its endpoint's lane -> a call (or a deferral without one) -> 2xx done,
 * failure to the next retry tier or the dead letters -> outcome durable -> offset committed.
 */
@Injectable()
export class DeliveryConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly changeFeed: EndpointChangeFeed;
  private readonly deliveries: DeliveryStream;
  private readonly retries: DeliveryStream;
  private readonly engine: DeliveryEngine;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(DeliveryConfig) private readonly config: DeliveryConfig,
    private readonly delivery: DeliveryService,
    private readonly directory: EndpointDirectory,
    store: OutcomeStore,
    metrics: MetricsRegistry,
  ) {
    this.changeFeed = new EndpointChangeFeed(kafka, config.INSTANCE_ID, logger);
    directory.setTtl(config.DELIVERY_ENDPOINT_CACHE_TTL_MS);
    const sessionTimeoutMs = config.DELIVERY_SESSION_TIMEOUT_MS;
    this.deliveries = new DeliveryStream({ name: 'deliveries topic', groupId: config.DELIVERY_GROUP_ID, topics: [Topics.deliveries], sessionTimeoutMs }, kafka, () => this.engine, logger);
    this.retries = new DeliveryStream({ name: 'retry tiers', groupId: `${config.DELIVERY_GROUP_ID}-retry`, topics: [RETRY_TIER_TOPIC_PATTERN], sessionTimeoutMs }, kafka, () => this.engine, logger);
    this.engine = new LaneEngine(
      {
        laneConcurrency: config.DELIVERY_MAX_IN_FLIGHT_PER_ENDPOINT,
        maxInFlight: config.DELIVERY_MAX_IN_FLIGHT,
        stallMs: config.DELIVERY_LANE_STALL_MS,
        maxBufferedBytes: config.DELIVERY_MAX_BUFFERED_BYTES,
      },
      this.engineIo(store),
    );
    const engine = this.engine;
    new Gauge({
      name: 'webhooks_delivery_buffered_bytes',
      help: 'Bytes of fetched delivery messages not yet settled (fetching pauses above webhooks_delivery_buffer_limit_bytes)',
      registers: [metrics.registry],
      collect() {
        this.set(engine.stats().bufferedBytes);
      },
    });
    new Gauge({ name: 'webhooks_delivery_buffer_limit_bytes', help: 'DELIVERY_MAX_BUFFERED_BYTES', registers: [metrics.registry] }).set(config.DELIVERY_MAX_BUFFERED_BYTES);
    new Gauge({
      name: 'webhooks_delivery_lanes',
      help: 'Endpoints with delivery messages in hand on this instance',
      registers: [metrics.registry],
      collect() {
        this.set(engine.stats().lanes);
      },
    });
  }

  private engineIo(store: OutcomeStore): EngineIo<FetchedDelivery, AttemptResult> {
    const streamOf = (topic: string) => (this.deliveries.owns(topic) ? this.deliveries : this.retries);
    return {
      now: () => Date.now(),
      setTimer: (ms, fn) => {
        const timer = setTimeout(fn, ms);
        return () => clearTimeout(timer);
      },
      // Only the retry tiers probe a half-open breaker (see DeliveryService.admits).
      admits: (m, now) => m.payload.decoded === null || this.delivery.admits(m.payload.decoded, !this.deliveries.owns(m.topic), now),
      call: async (m) => {
        const { kafka, decoded, unreadable } = m.payload;
        if (!decoded) return this.delivery.unreadable(kafka.key, kafka.value, unreadable ?? 'no value');
        // The admin request behind a test event, resend or replay: on every log line of the attempt.
        return withRequestId(decoded.requestId, () => this.delivery.attempt(decoded));
      },
      defer: (m, reason) => {
        const { kafka, decoded, unreadable } = m.payload;
        return decoded ? this.delivery.defer(decoded, reason) : this.delivery.unreadable(kafka.key, kafka.value, unreadable ?? 'no value');
      },
      persist: (outcomes) => store.persist(outcomes),
      commit: async (offsets) => {
        const byStream = new Map<DeliveryStream, TopicPartitionOffset[]>();
        for (const o of offsets) byStream.set(streamOf(o.topic), [...(byStream.get(streamOf(o.topic)) ?? []), o]);
        await Promise.all([...byStream].map(([stream, own]) => stream.commit(own)));
      },
      pause: (topic, partition) => streamOf(topic).pause(topic, partition),
      resume: (topic, partition) => streamOf(topic).resume(topic, partition),
      seek: (topic, partition, offset) => streamOf(topic).seek(topic, partition, offset),
      notify: (event) => this.log(event),
    };
  }

  private log(event: EngineEvent): void {
    switch (event.kind) {
      case 'deferred':
        this.logger.info({ endpointId: event.laneKey, reason: event.reason, count: event.count }, 'deliveries deferred to a retry tier without a call');
        return;
      case 'call_unavailable':
        this.logger.warn({ err: event.error, endpointId: event.laneKey, retryInMs: event.retryInMs }, 'could not attempt a delivery (endpoint unknown and the database unavailable); its lane waits');
        return;
      case 'persist_failed':
        // The first failure, then every tenth: a long outage should not flood the log.
        if (event.failures % 10 === 1) this.logger.warn({ err: event.error, failures: event.failures, outcomes: event.outcomes }, 'could not make delivery outcomes durable; keeping them and trying again');
        return;
      case 'commit_failed':
        this.logger.warn({ err: event.error }, 'could not commit delivery offsets; trying again');
        return;
    }
  }

  /** Which of this instance's two groups it leads: it alone reports that group's lag (see DeliveryMetrics). */
  leads(): { deliveries: boolean; retries: boolean } {
    return { deliveries: this.deliveries.isGroupLeader(), retries: this.retries.isGroupLeader() };
  }

  isRunning(): boolean {
    return this.deliveries.isRunning() && this.retries.isRunning();
  }

  async onApplicationBootstrap(): Promise<void> {
    await retryAtStartup('subscribing to endpoint changes', () =>
      this.changeFeed.start((change) => this.directory.invalidate(change.organizationId), {
        // Changes made while the feed was not reading are unknown: forget every organization.
        onResync: () => this.directory.invalidateAll(),
      }),
    );
    await this.deliveries.start();
    await this.retries.start();
    this.logger.info({ schedule: this.delivery.schedule }, 'delivery consuming');
  }

  /**
   * Runs before any resource closes: no new batches; the calls out finish and their outcomes are
   * made durable and committed (queued messages are left to the next owner); then both groups are left.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.deliveries.refuseBatches();
    this.retries.refuseBatches();
    await this.engine.stop(this.config.DELIVERY_TIMEOUT_MS + 5_000);
    await Promise.all([this.deliveries.stop(), this.retries.stop()]);
    await this.changeFeed.stop();
  }
}

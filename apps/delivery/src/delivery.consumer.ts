import { Inject, Injectable, BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { Counter, Gauge } from 'prom-client';
import { DeliveryConfig } from '@app/config';
import { RETRY_TIER_TOPIC_PATTERN, Topics } from '@app/contracts';
import { EngineEvent, EngineIo, LaneEngine, NO_RULES } from '@app/delivery-engine';
import { APP_LOGGER, CoLocatedAssigner, EndpointChangeFeed, KAFKA, retryAtStartup } from '@app/messaging';
import { MetricsRegistry, withRequestId } from '@app/observability';
import { EndpointDirectory } from '@app/persistence';
import { AttemptResult, DeliveryService } from './delivery.service';
import { DeliveryEngine, DeliveryStream, FetchedDelivery, UnreadableDelivery } from './delivery-stream';
import { OutcomeStore } from './outcome-store';

/**
 * The delivery instance: one lane engine fed by one consumer group shared by every delivery
 * instance, reading the deliveries topic (new deliveries, resends, test events) and every retry
 * tier. Partition i of all of them goes to one instance (`CoLocatedAssigner`): all the messages of
 * an endpoint (same key, same partition count) reach the same engine, which keeps its rate limit.
 * Where a message goes next: its endpoint's lane -> a call (or a deferral without one) -> 2xx done,
 * failure to the next retry tier or the dead letters -> outcome durable -> offset committed.
 */
@Injectable()
export class DeliveryConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly changeFeed: EndpointChangeFeed;
  private readonly stream: DeliveryStream;
  private readonly engine: DeliveryEngine;
  private readonly rateLimitWaits: Counter;
  private readonly settledByPreviousOwner: Counter;

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
    this.stream = new DeliveryStream(
      { name: 'delivery topics', groupId: config.DELIVERY_GROUP_ID, topics: [Topics.deliveries, RETRY_TIER_TOPIC_PATTERN], sessionTimeoutMs, partitionAssigners: [CoLocatedAssigner] },
      kafka,
      () => this.engine,
      logger,
    );
    this.engine = new LaneEngine(
      {
        laneConcurrency: config.DELIVERY_MAX_IN_FLIGHT_PER_ENDPOINT,
        maxInFlight: config.DELIVERY_MAX_IN_FLIGHT,
        stallMs: config.DELIVERY_LANE_STALL_MS,
        commitIntervalMs: config.DELIVERY_COMMIT_INTERVAL_MS,
        persistIntervalMs: config.DELIVERY_PERSIST_INTERVAL_MS,
        maxBufferedBytes: config.DELIVERY_MAX_BUFFERED_BYTES,
        rateQueueSeconds: config.DELIVERY_RATE_LIMIT_QUEUE_SECONDS,
      },
      this.engineIo(store),
    );
    const engine = this.engine;
    this.rateLimitWaits = new Counter({
      name: 'webhooks_delivery_rate_limited_total',
      help: "Times an endpoint with deliveries waiting had to wait for its rate limit (rateLimitPerSecond) before its next call; no attempt is used",
      registers: [metrics.registry],
    });
    this.settledByPreviousOwner = new Counter({
      name: 'webhooks_delivery_settled_by_previous_owner_total',
      help: "Delivery messages of a partition given to this instance that were not attempted because the previous owner's last commit named them settled",
      registers: [metrics.registry],
    });
    new Gauge({
      name: 'webhooks_delivery_rate_limit_waiting',
      help: 'Deliveries in hand on this instance waiting for their endpoint\'s rate limit',
      registers: [metrics.registry],
      collect() {
        this.set(engine.stats().rateWaiting);
      },
    });
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
    const stream = this.stream;
    return {
      now: () => Date.now(),
      setTimer: (ms, fn) => {
        const timer = setTimeout(fn, ms);
        return () => clearTimeout(timer);
      },
      // Only the retry tiers probe a half-open breaker (see DeliveryService.admits).
      admits: (m, now) => m.payload.decoded === null || this.delivery.admits(m.payload.decoded, m.topic !== Topics.deliveries, now),
      call: async (m) => {
        const { decoded, unreadable, stages } = m.payload;
        if (!decoded) return this.unreadable(unreadable);
        // The admin request behind a test event, resend or replay: on every log line of the attempt.
        return withRequestId(decoded.requestId, () => this.delivery.attempt(decoded, stages));
      },
      defer: (m, reason) => {
        const { decoded, unreadable } = m.payload;
        return decoded ? this.delivery.defer(decoded, reason) : this.unreadable(unreadable);
      },
      rules: async (m) => (m.payload.decoded ? this.delivery.rules(m.payload.decoded) : NO_RULES),
      park: (m) => {
        const { decoded, unreadable } = m.payload;
        return decoded ? this.delivery.park(decoded, `${m.topic}/${m.partition}/${m.offset}`) : this.unreadable(unreadable);
      },
      persist: (outcomes) => store.persist(outcomes),
      commit: (offsets) => stream.commit(offsets),
      pause: (topic, partition) => stream.pause(topic, partition),
      resume: (topic, partition) => stream.resume(topic, partition),
      seek: (topic, partition, offset) => stream.seek(topic, partition, offset),
      notify: (event) => this.log(event),
    };
  }

  /** A message that could not be decoded goes to the quarantine as it came. */
  private unreadable(message: UnreadableDelivery): AttemptResult {
    return this.delivery.unreadable(message.key, message.value, message.reason);
  }

  private log(event: EngineEvent): void {
    switch (event.kind) {
      case 'deferred':
        this.logger.info({ endpointId: event.laneKey, reason: event.reason, count: event.count }, 'deliveries deferred to a retry tier without a call');
        return;
      case 'parked':
        this.logger.debug({ endpointId: event.laneKey, count: event.count }, 'deliveries of a strict-order endpoint parked in its queue');
        return;
      case 'rate_limited':
        this.rateLimitWaits.inc();
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
      case 'settled_by_previous_owner':
        this.settledByPreviousOwner.inc(event.count);
        return;
    }
  }

  /** Whether this instance leads the delivery group: it alone reports the group's lag (see DeliveryMetrics). */
  leadsGroup(): boolean {
    return this.stream.isGroupLeader();
  }

  isRunning(): boolean {
    return this.stream.isRunning();
  }

  async onApplicationBootstrap(): Promise<void> {
    await retryAtStartup('subscribing to endpoint changes', () =>
      this.changeFeed.start((change) => this.directory.invalidate(change.organizationId), {
        // Changes made while the feed was not reading are unknown: forget every organization.
        onResync: () => this.directory.invalidateAll(),
      }),
    );
    await this.stream.start();
    this.logger.info({ schedule: this.delivery.schedule }, 'delivery consuming');
  }

  /**
   * Runs before any resource closes: no new batches; the calls out finish and their outcomes are
   * made durable and committed (queued messages are left to the next owner); then the group is left.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stream.refuseBatches();
    await this.engine.stop(this.config.DELIVERY_TIMEOUT_MS + 5_000);
    await this.stream.stop();
    await this.changeFeed.stop();
  }
}

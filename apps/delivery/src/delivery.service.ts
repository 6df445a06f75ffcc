import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Message } from 'kafkajs';
import { Counter, Gauge, Histogram } from 'prom-client';
import { DeliveryConfig } from '@app/config';
import {
  deliveryExhaustedEvent,
  DeliveryMessage,
  DeliveryStages,
  domainEventRecord,
  deliveryRecord,
  encodeDeliveryMessage,
  Headers,
  isOperationalEventType,
  retryTierTopic,
  Topics,
  webhookBody,
} from '@app/contracts';
import { APP_LOGGER } from '@app/messaging';
import { MetricsRegistry, PipelineStageMetrics } from '@app/observability';
import type { Logger } from 'pino';
import { DeferReason, LaneRules } from '@app/delivery-engine';
import { AttemptRecord, EndpointDirectory, ParkedDelivery } from '@app/persistence';
import {
  activeSecrets,
  AttemptSignal,
  CircuitBreaker,
  createHostResolver,
  jitteredMs,
  parseAllowedNetworks,
  parseRetryAfter,
  parseRetrySchedule,
  planRetry,
  SendResult,
  webhookHeaders,
  WebhookHttpSender,
} from '@app/webhooks';
import { ListenRelay } from './listen-relay';

const USER_AGENT = 'Sourcehub-Webhooks/1.0';
/** Endpoints named in the longest-open breaker gauge: bounded, whatever the number of endpoints. */
const BREAKER_TOP_N = 10;

/** A first attempt, or any later one (retries, resends): their latencies differ by the retry waits. */
const attemptKind = (message: DeliveryMessage): 'first' | 'retry' => (message.attempt <= 1 ? 'first' : 'retry');

/** A Kafka record to produce before the outcome's offset may be committed. */
export interface OutgoingRecord {
  topic: string;
  message: Message;
}

/**
 * What one attempt (or deferral) leads to: the record for the attempt log, the message that carries
 * the delivery on (if any), and the operational events it raises (`webhook.delivery.exhausted`).
 * `produced` is set once those messages are acknowledged, so a write retried after only the
 * database failed does not produce them twice.
 */
/** Stage timestamps of a first delivery (epoch ms): the fan-out's, and when this instance was handed the message. */
export type FirstDeliveryStages = DeliveryStages & { readAt: number };

export interface AttemptResult {
  record: AttemptRecord | null;
  next: OutgoingRecord | null;
  raised?: OutgoingRecord[];
  /** A call was made: what it says about the endpoint's health (written with the attempt log). */
  signal?: AttemptSignal;
  produced?: boolean;
  /** A strict endpoint's delivery handed to its durable queue (written before the offset is committed). */
  park?: ParkedDelivery;
}

/** A 410 Gone: the endpoint is disabled (in the same write as this attempt) and this delivery is not retried. */
const GONE = 410;

const DEFER_REASONS: Record<DeferReason, string> = {
  breaker_open: "deferred without a call: the endpoint's circuit breaker is open",
  endpoint_hanging: 'deferred without a call: every call to the endpoint is hanging',
  rate_limited: "deferred without a call: more deliveries wait for the endpoint's rate limit than it takes in the next seconds",
};

/**
 * One attempt of one delivery: look up the endpoint, sign the exact bytes, POST, and decide the
 * next step (done, next retry tier, or dead letter); or a deferral to later without a call. It
 * never writes anything itself: the engine makes the outcome durable before committing the offset.
 */
@Injectable()
export class DeliveryService implements OnApplicationShutdown {
  readonly schedule: number[];
  private readonly sender: WebhookHttpSender;
  private readonly breaker: CircuitBreaker;
  private readonly attempts: Counter<'outcome'>;
  private readonly deferrals: Counter<'reason'>;
  private readonly latency: Histogram<'attempt'>;
  private readonly callSeconds: Histogram<'attempt' | 'outcome'>;
  private readonly retryAfterHonoured: Counter<'effect'>;
  private readonly parked: Counter;
  private readonly stages: PipelineStageMetrics;
  private readonly jitterFraction: number;
  private readonly debug: boolean;
  /**
   * Endpoints that answered 410 Gone, by the version that answered, until the write that disables
   * them is committed and the directory reloads them: their other messages are not sent meanwhile.
   */
  private readonly gone = new Map<string, number>();

  constructor(
    @Inject(DeliveryConfig) config: DeliveryConfig,
    private readonly directory: EndpointDirectory,
    metrics: MetricsRegistry,
    private readonly relay: ListenRelay,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    // Read once: the per-attempt line costs an object per call, which the hot path skips when it is not written.
    this.debug = logger.isLevelEnabled('debug');
    this.schedule = parseRetrySchedule(config.RETRY_SCHEDULE_SECONDS);
    this.jitterFraction = config.RETRY_JITTER_PERCENT / 100;
    this.breaker = new CircuitBreaker({ failureThreshold: config.DELIVERY_BREAKER_FAILURES, openMs: config.DELIVERY_BREAKER_OPEN_MS });
    this.sender = new WebhookHttpSender({
      timeoutMs: config.DELIVERY_TIMEOUT_MS,
      policy: { allowedPrivateNetworks: parseAllowedNetworks(config.WEBHOOK_ALLOWED_PRIVATE_NETWORKS), allowHttpInLive: config.WEBHOOK_ALLOW_HTTP_IN_LIVE },
      userAgent: USER_AGENT,
      // Per origin, shared by every endpoint on that host: it must not be what limits one endpoint
      // (DELIVERY_MAX_IN_FLIGHT_PER_ENDPOINT does that), or a dead endpoint would starve its neighbours.
      maxSocketsPerHost: 256,
      resolve: createHostResolver(config.DNS_SERVERS),
    });
    const registers = [metrics.registry];
    this.attempts = new Counter({ name: 'webhooks_delivery_attempts_total', help: 'Delivery attempts by outcome', labelNames: ['outcome'], registers });
    this.callSeconds = new Histogram({
      name: 'webhooks_delivery_attempt_duration_seconds',
      help: "One call to a receiver, from sending to its answer (or the timeout), by attempt (first or retry) and outcome",
      labelNames: ['attempt', 'outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.deferrals = new Counter({
      name: 'webhooks_delivery_deferrals_total',
      help: 'Deliveries put off to a retry tier without a call (no attempt used), by reason',
      labelNames: ['reason'],
      registers,
    });
    this.latency = new Histogram({
      name: 'webhooks_delivery_latency_seconds',
      help: 'From the event occurring to the receiver answering 2xx, by the attempt that succeeded: first, or retry (which includes the retry waits)',
      labelNames: ['attempt'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 100, 1000, 10000],
      registers,
    });
    this.stages = new PipelineStageMetrics(metrics);
    this.parked = new Counter({
      name: 'webhooks_delivery_strict_parked_total',
      help: 'Deliveries of strict-order endpoints handed to their durable queue (drained one at a time, in order)',
      registers,
    });
    const breaker = this.breaker;
    new Gauge({
      name: 'webhooks_delivery_breakers',
      help: "Endpoints by circuit-breaker state on this instance (closed_failing: closed, with failures since the last success)",
      labelNames: ['state'],
      registers,
      collect() {
        const summary = breaker.summary(Date.now(), 0);
        this.set({ state: 'closed_failing' }, summary.closedFailing);
        this.set({ state: 'open' }, summary.open);
        this.set({ state: 'half_open' }, summary.halfOpen);
      },
    });
    new Gauge({
      name: 'webhooks_delivery_breaker_open_seconds',
      help: `How long the circuit of the ${BREAKER_TOP_N} endpoints open longest on this instance has been open (a failed probe does not restart the clock)`,
      labelNames: ['endpoint_id'],
      registers,
      collect() {
        this.reset();
        for (const { key, openForMs } of breaker.summary(Date.now(), BREAKER_TOP_N).longestOpen) this.set({ endpoint_id: key }, openForMs / 1000);
      },
    });
    this.retryAfterHonoured = new Counter({
      name: 'webhooks_retry_after_honoured_total',
      help: 'Retries scheduled after a 429/503 with Retry-After, by what it did to the wait: lengthened (within the schedule\'s tiers), capped (at the largest wait), within_schedule (asked no more than the schedule), exhausted (no attempt left)',
      labelNames: ['effect'],
      registers,
    });
  }

  /**
   * Whether a call to the message's endpoint may go out now. `mayProbe`: whether this call may be
   * the one probe of an endpoint whose breaker is due to half-open. Only the retry tiers probe: a
   * probe of a dead endpoint waits out a whole timeout, and a deferral from the deliveries topic
   * waits in the first tier anyway. A person asked for resends and test events: always called.
   */
  admits(message: DeliveryMessage, mayProbe: boolean, now: number): boolean {
    if (message.trigger === 'resend' || message.trigger === 'test') return true;
    return this.breaker.allow(message.endpointId, now, mayProbe);
  }

  /**
   * Looks up the endpoint, signs, POSTs and decides the next step. Throws only when no call could
   * be made because the endpoint is unknown and the database cannot be asked (the engine tries
   * again later); a deleted or disabled endpoint discards the delivery.
   */
  async attempt(message: DeliveryMessage, stages: FirstDeliveryStages | null = null): Promise<AttemptResult> {
    const endpoint = await this.directory.enabledEndpoint(message.organizationId, message.endpointId);
    const goneAt = endpoint && this.gone.get(endpoint.id);
    // A version other than the one that answered 410: enabled again by a person since.
    if (endpoint && goneAt !== undefined && goneAt !== endpoint.version) this.gone.delete(endpoint.id);
    if (!endpoint || goneAt === endpoint.version) {
      this.attempts.inc({ outcome: 'discarded' });
      this.logger.debug({ deliveryId: message.deliveryId, endpointId: message.endpointId, attempt: message.attempt, trigger: message.trigger, outcome: 'discarded' }, 'delivery discarded: endpoint deleted or disabled');
      return { record: this.record(message, null, 'discarded', 'endpoint deleted or disabled', null), next: null };
    }

    const startedAt = new Date();
    const body = webhookBody(message.event);
    const signed = webhookHeaders(activeSecrets(endpoint, startedAt), message.deliveryId, Math.floor(startedAt.getTime() / 1000), body);
    const headers = { ...endpoint.headers, ...signed };
    // A CLI listen session gets the same signed request through its connection instead of a POST.
    const result =
      endpoint.kind === 'cli'
        ? await this.relay.send(message, { ...headers, 'content-type': 'application/json', 'user-agent': USER_AGENT }, body)
        : await this.sender.send({ url: endpoint.url, headers, body });
    if (stages) this.observeStages(message, stages, startedAt.getTime(), Date.now());
    this.breaker.record(endpoint.id, result.outcome === 'success', Date.now());
    this.attempts.inc({ outcome: result.outcome });
    this.callSeconds.observe({ attempt: attemptKind(message), outcome: result.outcome }, result.durationMs / 1000);
    // One line per call; the request id (a test event, resend or replay asked for through the API) comes from the context.
    if (this.debug) this.logger.debug(
      { deliveryId: message.deliveryId, endpointId: endpoint.id, eventId: message.event.id, attempt: message.attempt, trigger: message.trigger, outcome: result.outcome, statusCode: result.statusCode, durationMs: Math.round(result.durationMs) },
      'delivery attempt',
    );
    const sent = { startedAt, ...result, retryAfterSeconds: parseRetryAfter(result.retryAfter, Date.now()) };
    const signal: AttemptSignal = {
      organizationId: message.organizationId,
      endpointId: endpoint.id,
      startedAt,
      succeeded: result.outcome === 'success',
      gone: result.statusCode === GONE,
      operational: isOperationalEventType(message.event.type),
    };

    if (result.outcome === 'success') {
      this.latency.observe({ attempt: attemptKind(message) }, (Date.now() - Date.parse(message.event.occurredAt)) / 1000);
      return { record: this.record(message, sent, 'succeeded', null, null), next: null, signal };
    }
    if (result.statusCode === GONE) {
      this.gone.set(endpoint.id, endpoint.version);
      return { record: this.record(message, sent, 'failed', 'the endpoint answered 410 Gone: it is disabled and this delivery is not retried', null), next: null, signal };
    }
    const plan = planRetry(this.schedule, message.attempt, sent.retryAfterSeconds, this.jitterFraction, Math.random());
    if (sent.retryAfterSeconds !== null) this.retryAfterHonoured.inc({ effect: plan?.retryAfter ?? 'exhausted' });
    if (plan === null) {
      return {
        record: this.record(message, sent, 'failed', `gave up after ${message.attempt} attempts: ${result.error}`, null),
        next: {
          topic: Topics.deadLetters,
          message: { ...deliveryRecord(message), headers: { [Headers.deadLetterReason]: result.error ?? result.outcome } },
        },
        raised: this.exhaustedEvent(message, endpoint.mode, result.statusCode, startedAt),
        signal,
      };
    }
    const record = this.record(message, sent, 'pending', result.error, null);
    // The stage timestamps describe the first attempt's way through the pipeline; a retry has its own.
    return { ...this.toRetryTier(message, { ...message, attempt: message.attempt + 1, stages: undefined }, plan.tierSeconds, plan.delayMs, record), signal };
  }

  /** `webhook.delivery.exhausted` for the organization, unless the delivery itself was an operational event (no loops). */
  private exhaustedEvent(message: DeliveryMessage, mode: DeliveryMessage['event']['mode'], lastStatusCode: number | null, at: Date): OutgoingRecord[] {
    if (isOperationalEventType(message.event.type)) return [];
    const data = {
      deliveryId: message.deliveryId,
      eventId: message.event.id,
      eventType: message.event.type,
      endpointId: message.endpointId,
      attempts: message.attempt,
      lastStatusCode,
    };
    return [domainEventRecord(deliveryExhaustedEvent(message.organizationId, mode, data, at))];
  }

  /**
   * Puts the delivery off without a call and without using an attempt: the same attempt waits again
   * in the tier it waited in before (the first tier for a first attempt), so a dead endpoint's
   * backlog keeps the schedule's pace and only calls made count toward the limit.
   */
  defer(message: DeliveryMessage, reason: DeferReason): AttemptResult {
    this.deferrals.inc({ reason });
    const tierBefore = Math.min(Math.max(message.attempt - 2, 0), this.schedule.length - 1);
    const record = this.record(message, null, 'pending', DEFER_REASONS[reason], null);
    const tier = this.schedule[tierBefore];
    return this.toRetryTier(message, message, tier, jitteredMs(tier, this.jitterFraction, Math.random()), record);
  }

  /**
   * How the endpoint wants its deliveries (SPEC §10), from the endpoint directory. Throws when the
   * endpoint is unknown here and the database cannot be asked; a deleted or disabled endpoint has
   * none (its deliveries are discarded when attempted). A CLI session is never strict.
   */
  async rules(message: DeliveryMessage): Promise<LaneRules> {
    const endpoint = await this.directory.enabledEndpoint(message.organizationId, message.endpointId);
    if (!endpoint) return { ratePerSecond: null, strict: false };
    return { ratePerSecond: endpoint.rateLimitPerSecond, strict: endpoint.ordering === 'strict' && endpoint.kind !== 'cli' };
  }

  /**
   * Hands a strict endpoint's delivery to its durable queue, where the strict drainer attempts it
   * after everything parked before it. `source` names the Kafka message, so parking it again (a
   * redo after a crash) changes nothing.
   */
  park(message: DeliveryMessage, source: string): AttemptResult {
    this.parked.inc();
    const record = this.record(message, null, 'pending', 'waiting its turn: the endpoint takes its deliveries one at a time, in order', null);
    const park: ParkedDelivery = {
      organizationId: message.organizationId,
      endpointId: message.endpointId,
      deliveryId: message.deliveryId,
      source,
      message: encodeDeliveryMessage(message).toString('utf8'),
      dueAt: Date.now(),
    };
    return { record, next: null, park };
  }

  /** An unreadable delivery message is a bug upstream: to the dead letters with the reason, visibly. */
  unreadable(key: Buffer | null, value: Buffer | null, error: string): AttemptResult {
    return { record: null, next: { topic: Topics.deadLetters, message: { key, value, headers: { [Headers.deadLetterReason]: `unreadable delivery message: ${error}` } } } };
  }

  /**
   * `delayMs` may be longer than the tier's delay (Retry-After, jitter): the tier consumer holds the
   * message until `x-due-at` either way (decision 0003 on why that keeps every wait within bounds).
   */
  private toRetryTier(message: DeliveryMessage, next: DeliveryMessage, tierSeconds: number, delayMs: number, record: AttemptRecord): AttemptResult {
    const dueAt = Date.now() + delayMs;
    record.nextAttemptAt = new Date(dueAt);
    return {
      record,
      next: { topic: retryTierTopic(tierSeconds), message: { ...deliveryRecord(next), headers: { [Headers.dueAt]: String(dueAt) } } },
    };
  }

  private observeStages(message: DeliveryMessage, stages: FirstDeliveryStages, postAt: number, answeredAt: number): void {
    this.stages.observe('occurred_to_published', Date.parse(message.event.occurredAt), stages.publishedAt);
    this.stages.observe('fanout_read_to_delivery_read', stages.fanoutReadAt, stages.readAt);
    this.stages.observe('delivery_read_to_post', stages.readAt, postAt);
    this.stages.observe('post_to_answer', postAt, answeredAt);
  }

  private record(
    message: DeliveryMessage,
    attempt: (SendResult & { startedAt: Date; retryAfterSeconds: number | null }) | null,
    status: AttemptRecord['status'],
    statusReason: string | null,
    nextAttemptAt: Date | null,
  ): AttemptRecord {
    return {
      deliveryId: message.deliveryId,
      organizationId: message.organizationId,
      eventId: message.event.id,
      endpointId: message.endpointId,
      attemptNumber: message.attempt,
      attempt: attempt && {
        startedAt: attempt.startedAt,
        durationMs: Math.round(attempt.durationMs),
        outcome: attempt.outcome,
        statusCode: attempt.statusCode,
        error: attempt.error,
        responseExcerpt: attempt.responseExcerpt,
        retryAfterSeconds: attempt.retryAfterSeconds,
      },
      status,
      statusReason,
      nextAttemptAt,
    };
  }

  onApplicationShutdown(): void {
    this.sender.close();
  }
}

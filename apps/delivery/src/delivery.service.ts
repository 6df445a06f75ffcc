import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Message } from 'kafkajs';
import { Counter, Histogram } from 'prom-client';
import { DeliveryConfig } from '@app/config';
import { DeliveryMessage, encodeDeliveryMessage, Headers, retryTierTopic, Topics, webhookBody } from '@app/contracts';
import { MetricsRegistry } from '@app/observability';
import { AttemptRecord, EndpointDirectory } from '@app/persistence';
import {
  activeSecrets,
  CircuitBreaker,
  createHostResolver,
  parseAllowedNetworks,
  parseRetrySchedule,
  retryDelayAfterAttempt,
  SendResult,
  webhookHeaders,
  WebhookHttpSender,
} from '@app/webhooks';

const USER_AGENT = 'Sourcehub-Webhooks/1.0';

/** An HTTP outcome, or a call the circuit breaker skipped. */
type CallResult = Omit<SendResult, 'outcome'> & { outcome: SendResult['outcome'] | 'circuit_open' };

/** What one attempt leads to: the attempt record, and the message that carries the delivery on (if any). */
export interface AttemptResult {
  record: AttemptRecord;
  next: { topic: string; message: Message } | null;
}

/**
 * One attempt of one delivery: look up the endpoint, sign the exact bytes, POST, and decide the
 * next step (done, next retry tier, or dead letter). It never commits anything itself; the
 * consumer makes the outcome durable before committing the offset.
 */
@Injectable()
export class DeliveryService implements OnApplicationShutdown {
  readonly schedule: number[];
  private readonly sender: WebhookHttpSender;
  private readonly breaker: CircuitBreaker;
  /**
   * Start times of the calls in flight per endpoint (at most DELIVERY_MAX_IN_FLIGHT_PER_ENDPOINT
   * each), to tell a slow endpoint (callsOutLongerThan).
   */
  private readonly callsOut = new Map<string, number[]>();
  private readonly attempts: Counter<'outcome'>;
  private readonly latency: Histogram;

  constructor(
    @Inject(DeliveryConfig) config: DeliveryConfig,
    private readonly directory: EndpointDirectory,
    metrics: MetricsRegistry,
  ) {
    this.schedule = parseRetrySchedule(config.RETRY_SCHEDULE_SECONDS);
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
    this.attempts = new Counter({ name: 'delivery_attempts_total', help: 'Delivery attempts by outcome', labelNames: ['outcome'], registers });
    this.latency = new Histogram({
      name: 'delivery_latency_seconds',
      help: 'From the event occurring to the receiver answering 2xx',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 100, 1000, 10000],
      registers,
    });
  }

  /**
   * `mayProbe`: whether this call may be the one probe of an endpoint whose breaker is due to
   * half-open. Only the retry tiers probe: a probe of a dead endpoint waits out a whole timeout,
   * which in the deliveries topic would hold up the healthy endpoints sharing its partition.
   */
  async attempt(message: DeliveryMessage, options: { mayProbe: boolean }): Promise<AttemptResult> {
    const endpoint = await this.directory.enabledEndpoint(message.organizationId, message.endpointId);
    if (!endpoint) {
      this.attempts.inc({ outcome: 'discarded' });
      return { record: this.record(message, null, 'discarded', 'endpoint deleted or disabled', null), next: null };
    }

    const startedAt = new Date();
    let result: CallResult;
    // A person asked for this one (resend, test event): always make the call, whatever the breaker thinks.
    const requestedByHand = message.trigger === 'resend' || message.trigger === 'test';
    if (requestedByHand || this.breaker.allow(endpoint.id, startedAt.getTime(), options.mayProbe)) {
      const body = webhookBody(message.event);
      const signed = webhookHeaders(activeSecrets(endpoint, startedAt), message.deliveryId, Math.floor(startedAt.getTime() / 1000), body);
      const callStartedAt = startedAt.getTime();
      const calls = this.callsOut.get(endpoint.id) ?? [];
      if (calls.length === 0) this.callsOut.set(endpoint.id, calls);
      calls.push(callStartedAt);
      try {
        result = await this.sender.send({ url: endpoint.url, headers: { ...endpoint.headers, ...signed }, body });
      } finally {
        calls.splice(calls.indexOf(callStartedAt), 1);
        if (calls.length === 0) this.callsOut.delete(endpoint.id);
      }
      this.breaker.record(endpoint.id, result.outcome === 'success', Date.now());
    } else {
      result = { outcome: 'circuit_open', statusCode: null, durationMs: 0, error: 'endpoint failing repeatedly; call skipped', responseExcerpt: null };
    }
    this.attempts.inc({ outcome: result.outcome });

    if (result.outcome === 'success') {
      this.latency.observe((Date.now() - Date.parse(message.event.occurredAt)) / 1000);
      return { record: this.record(message, { startedAt, ...result }, 'succeeded', null, null), next: null };
    }
    const delaySeconds = retryDelayAfterAttempt(this.schedule, message.attempt);
    if (delaySeconds === null) {
      return {
        record: this.record(message, { startedAt, ...result }, 'failed', `gave up after ${message.attempt} attempts: ${result.error}`, null),
        next: {
          topic: Topics.deadLetters,
          message: { key: message.endpointId, value: encodeDeliveryMessage(message), headers: { [Headers.deadLetterReason]: result.error ?? result.outcome } },
        },
      };
    }
    const dueAt = Date.now() + delaySeconds * 1000;
    return {
      record: this.record(message, { startedAt, ...result }, 'pending', result.error, new Date(dueAt)),
      next: {
        topic: retryTierTopic(delaySeconds),
        message: { key: message.endpointId, value: encodeDeliveryMessage({ ...message, attempt: message.attempt + 1 }), headers: { [Headers.dueAt]: String(dueAt) } },
      },
    };
  }

  /** Whether a call to this endpoint has been out (no answer yet) for more than `ms`. */
  callsOutLongerThan(endpointId: string, ms: number, now = Date.now()): boolean {
    const calls = this.callsOut.get(endpointId);
    return calls !== undefined && calls.some((startedAt) => now - startedAt > ms);
  }

  private record(
    message: DeliveryMessage,
    attempt: (CallResult & { startedAt: Date }) | null,
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

import { BeforeApplicationShutdown, Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { DeliveryConfig } from '@app/config';
import { decodeListenReply, DeliveryMessage, encodeListenMessage, ListenReply, ListenRequest, Topics } from '@app/contracts';
import { APP_LOGGER, BroadcastReader, KafkaProducer, KAFKA } from '@app/messaging';
import { SendResult } from '@app/webhooks';

interface Pending {
  organizationId: string;
  sessionId: string;
  settle: (result: SendResult) => void;
}

/**
 * The "HTTP call" of a CLI listen session (SPEC §11): the signed request goes on a topic every admin
 * API instance reads, the one holding the session's connection hands it to the CLI, and the CLI's
 * answer comes back on a topic every delivery instance reads, matched by a random request id. The
 * answer is judged like an HTTP answer; no answer within the delivery timeout (plus the relay's
 * allowance) is a timeout, so a closed laptop follows the retry schedule like a dead endpoint.
 */
@Injectable()
export class ListenRelay implements OnModuleInit, BeforeApplicationShutdown {
  private readonly pending = new Map<string, Pending>();
  private readonly replies: BroadcastReader;
  private readonly waitMs: number;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(DeliveryConfig) private readonly config: DeliveryConfig,
    private readonly producer: KafkaProducer,
  ) {
    // A relayed delivery waits on this hop: read as soon as anything arrives.
    this.replies = new BroadcastReader(kafka, { name: 'listen replies reader', topic: Topics.listenReplies, instanceId: config.INSTANCE_ID, logger });
    this.waitMs = config.DELIVERY_TIMEOUT_MS + config.LISTEN_RELAY_ALLOWANCE_MS;
  }

  // Before the delivery consumers start (they start at bootstrap), so no early answer is missed.
  async onModuleInit(): Promise<void> {
    await this.replies.start((m) => this.onReply(m));
  }

  async send(message: DeliveryMessage, headers: Record<string, string>, body: string): Promise<SendResult> {
    // The fan-out routes only test events to a session (it is a test-mode endpoint); this is the second lock.
    if (message.event.mode !== 'test') {
      return { outcome: 'invalid_url', statusCode: null, durationMs: 0, error: 'a CLI listen session receives test-mode events only', responseExcerpt: null, retryAfter: null };
    }
    const request: ListenRequest = {
      requestId: randomUUID(),
      organizationId: message.organizationId,
      sessionId: message.endpointId,
      deliveryId: message.deliveryId,
      eventId: message.event.id,
      eventType: message.event.type,
      attempt: message.attempt,
      headers,
      body,
      timeoutMs: this.config.DELIVERY_TIMEOUT_MS,
    };
    const startedAt = Date.now();
    const answered = new Promise<SendResult>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(request.requestId);
        // The timer counts from the loop turn's start, which can be a little before startedAt: it waited the whole wait.
        resolve(failure('timeout', `no answer from the CLI session within ${this.waitMs} ms (is \`sourcehub-webhooks listen\` running?)`, startedAt, this.waitMs));
      }, this.waitMs);
      this.pending.set(request.requestId, {
        organizationId: request.organizationId,
        sessionId: request.sessionId,
        settle: (result) => {
          clearTimeout(timer);
          this.pending.delete(request.requestId);
          resolve(result);
        },
      });
    });
    try {
      await this.producer.send(Topics.listenRequests, [{ key: request.sessionId, value: encodeListenMessage(request) }]);
    } catch (err) {
      this.pending.get(request.requestId)?.settle(failure('connection_error', `could not hand the delivery to the admin API: ${(err as Error).message}`, startedAt));
    }
    return answered;
  }

  private onReply(message: KafkaMessage): void {
    const reply = decodeListenReply(message.value);
    if (!reply) return;
    const pending = this.pending.get(reply.requestId);
    // Another instance's request (every instance reads every reply), or one that already timed out.
    if (!pending) return;
    if (pending.organizationId !== reply.organizationId || pending.sessionId !== reply.sessionId) {
      this.logger.warn({ requestId: reply.requestId }, 'a listen reply named another session than its request; ignored');
      return;
    }
    pending.settle(toSendResult(reply));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.replies.stop();
  }
}

function failure(outcome: SendResult['outcome'], error: string, startedAt: number, waitedAtLeastMs = 0): SendResult {
  return { outcome, statusCode: null, durationMs: Math.max(Date.now() - startedAt, waitedAtLeastMs), error, responseExcerpt: null, retryAfter: null };
}

/** The CLI's report, judged as the HTTP sender judges an answer: only a 2xx status is a success. */
export function toSendResult(reply: ListenReply): SendResult {
  const is2xx = reply.statusCode !== null && reply.statusCode >= 200 && reply.statusCode < 300;
  const outcome = reply.outcome === 'success' && !is2xx ? 'http_error' : reply.outcome === 'http_error' && is2xx ? 'success' : reply.outcome;
  return {
    outcome,
    statusCode: reply.statusCode,
    durationMs: Math.max(0, reply.durationMs),
    error: outcome === 'success' ? null : (reply.error ?? (reply.statusCode !== null ? `HTTP ${reply.statusCode}` : reply.outcome)),
    responseExcerpt: reply.responseExcerpt === null ? null : reply.responseExcerpt.slice(0, 1024).replace(/\u0000/g, '\uFFFD'),
    // A local receiver's Retry-After is not relayed: a listen session follows the schedule.
    retryAfter: null,
  };
}

import { randomUUID } from 'node:crypto';
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { DeliveryConfig } from '@app/config';
import { decodeDeliveryMessage, DeliveryMessage, Headers, RETRY_TIER_TOPIC_PATTERN } from '@app/contracts';
import { paceInterval } from '@app/delivery-engine';
import { APP_LOGGER } from '@app/messaging';
import { MetricsRegistry } from '@app/observability';
import { EndpointDirectory, QueuedDelivery, StrictEndpointRef, StrictQueueRepository } from '@app/persistence';
import { AttemptResult, DeliveryService } from './delivery.service';
import { OutcomeStore } from './outcome-store';

/** Waits between tries after the database failed: first, doubling to the last. */
const BACKOFF_MS = [200, 400, 800, 1_600, 2_000];
/**
 * Released with this much left, so no other instance takes the endpoint within the rate-limit
 * window after this one's last call (the holder itself may take it again at once).
 */
const RELEASE_QUIET_MS = 1_000;
/** Deliveries that left a queue are forgotten after this (their offsets were committed long before). */
const KEEP_DONE_MS = 3_600_000;
/** Pruned every this many looks. */
const PRUNE_EVERY = 60;

/**
 * Drains the durable queues of strict-order endpoints (SPEC §10): one call at a time per endpoint,
 * always its first delivery in order; a failure keeps it first, with its next attempt due after the
 * retry schedule's wait, so the ones after it wait until it succeeds or is dead-lettered.
 *
 * One instance at a time per endpoint: the one holding its lease (judged by the database clock,
 * renewed before every call, longer than a call can take). The instance that parked a delivery
 * starts draining at once; every instance also looks now and then for due queues without a live
 * lease (retries come due, a stopped instance's endpoints). Killed mid-call, the lease runs out and
 * the head is attempted again by whoever takes it: at least once, never two at a time.
 */
@Injectable()
export class StrictDrainer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** Per process, not per INSTANCE_ID: a restarted process must not think it holds its predecessor's calls. */
  private readonly holder: string;
  private readonly leaseMs: number;
  private readonly draining = new Map<string, Promise<void>>();
  /** Woken while draining: look again when the current pass ends. */
  private readonly again = new Map<string, StrictEndpointRef>();
  /** Per endpoint: when this process last started a call (for the rate limit). */
  private readonly lastStart = new Map<string, number>();
  private pollTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private polls = 0;
  private readonly calls: Counter<'outcome'>;

  constructor(
    @Inject(DeliveryConfig) private readonly config: DeliveryConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    private readonly queue: StrictQueueRepository,
    private readonly delivery: DeliveryService,
    private readonly directory: EndpointDirectory,
    private readonly store: OutcomeStore,
    metrics: MetricsRegistry,
  ) {
    this.holder = `${config.INSTANCE_ID}/${randomUUID()}`;
    this.leaseMs = config.DELIVERY_TIMEOUT_MS + config.LISTEN_RELAY_ALLOWANCE_MS + 10_000;
    this.calls = new Counter({
      name: 'webhooks_delivery_strict_attempts_total',
      help: 'Attempts of strict-order deliveries from their durable queue, by what followed: done (succeeded, discarded or dead-lettered) or retry (stays first, due later)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
    store.onParked = (endpoints) => endpoints.forEach((e) => this.drain(e));
  }

  onApplicationBootstrap(): void {
    this.schedulePoll(0);
  }

  private schedulePoll(ms: number): void {
    if (this.stopping) return;
    this.pollTimer = setTimeout(() => void this.poll(), ms);
    this.pollTimer.unref();
  }

  private async poll(): Promise<void> {
    try {
      for (const endpoint of await this.queue.waiting(this.holder, 500)) this.drain(endpoint);
      if (this.polls++ % PRUNE_EVERY === 0) await this.queue.prune(KEEP_DONE_MS);
    } catch (err) {
      this.logger.debug({ err }, 'could not look for strict queues to drain; looking again');
    }
    this.schedulePoll(this.config.DELIVERY_STRICT_POLL_MS);
  }

  private drain(endpoint: StrictEndpointRef): void {
    if (this.stopping) return;
    if (this.draining.has(endpoint.endpointId)) {
      this.again.set(endpoint.endpointId, endpoint);
      return;
    }
    const run = this.drainEndpoint(endpoint)
      .catch((err: unknown) => this.logger.warn({ err, endpointId: endpoint.endpointId }, 'strict queue drain interrupted; it is taken up again by the next look'))
      .finally(() => {
        this.draining.delete(endpoint.endpointId);
        const next = this.again.get(endpoint.endpointId);
        this.again.delete(endpoint.endpointId);
        if (next) this.drain(next);
      });
    this.draining.set(endpoint.endpointId, run);
  }

  /** Attempts the endpoint's queue head after head until it is empty, its head is not due soon, or the lease is lost. */
  private async drainEndpoint({ organizationId, endpointId }: StrictEndpointRef): Promise<void> {
    for (;;) {
      if (this.stopping) return;
      this.again.delete(endpointId);
      if (!(await this.queue.takeLease(endpointId, this.holder, this.leaseMs))) return;
      const head = await this.queue.head(organizationId, endpointId);
      const waitMs = head ? head.dueAt.getTime() - Date.now() : 0;
      // Nothing to do now: let go, a later look (or the next park) takes it up.
      if (!head || waitMs > this.config.DELIVERY_STRICT_POLL_MS) {
        await this.queue.takeLease(endpointId, this.holder, RELEASE_QUIET_MS);
        return;
      }
      await sleep(Math.max(waitMs, await this.rateWait(organizationId, endpointId)));
      if (this.stopping) return;
      await this.attemptHead(head);
    }
  }

  /**
   * How long until the next call keeps the endpoint's rate limit: one call at a time, spaced by the lane's
   * cell interval (5 % over 1/limit), so calls arriving a little late still fit the receiver's second.
   */
  private async rateWait(organizationId: string, endpointId: string): Promise<number> {
    const endpoint = await this.directory.enabledEndpoint(organizationId, endpointId);
    const last = this.lastStart.get(endpointId);
    if (!endpoint?.rateLimitPerSecond || last === undefined) return 0;
    return Math.max(0, last + paceInterval(endpoint.rateLimitPerSecond) - Date.now());
  }

  private async attemptHead(head: QueuedDelivery): Promise<void> {
    let message: DeliveryMessage | null = null;
    let result: AttemptResult;
    try {
      message = decodeDeliveryMessage(Buffer.from(head.message, 'utf8'));
    } catch (err) {
      result = this.delivery.unreadable(Buffer.from(head.endpointId), Buffer.from(head.message, 'utf8'), (err as Error).message);
    }
    if (message) {
      this.lastStart.set(head.endpointId, Date.now());
      // Throws only when no call was made (endpoint unknown, database away): the head is tried again.
      result = await this.delivery.attempt(message);
    }
    await this.keep(head, result!);
  }

  /**
   * Makes the outcome durable: a retry stays first in the queue with its next attempt's message and
   * due time (instead of a retry tier); anything else (success, discard, dead letter) leaves it.
   * Kept through database failures, so the receiver is not called again for the same attempt.
   */
  private async keep(head: QueuedDelivery, result: AttemptResult): Promise<void> {
    const retry = result.next && RETRY_TIER_TOPIC_PATTERN.test(result.next.topic) ? result.next : null;
    for (let failures = 0; ; failures++) {
      try {
        await this.store.persist([{ ...result, next: retry ? null : result.next }]);
        if (retry) {
          const dueAt = Number(retry.message.headers?.[Headers.dueAt]?.toString() ?? Date.now());
          await this.queue.reschedule(head.organizationId, head.seq, String(retry.message.value), dueAt);
        } else {
          await this.queue.remove(head.organizationId, head.seq);
        }
        this.calls.inc({ outcome: retry ? 'retry' : 'done' });
        return;
      } catch (err) {
        if (failures % 10 === 0) this.logger.warn({ err, endpointId: head.endpointId, deliveryId: head.deliveryId }, 'could not keep a strict delivery outcome; trying again');
        if (this.stopping && failures >= 3) throw err;
        await sleep(BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)]);
      }
    }
  }

  /** The calls out finish and their outcomes are kept; the leases are let go so another instance goes on at once. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    await Promise.allSettled([...this.draining.values()]);
    for (const endpointId of this.lastStart.keys()) await this.queue.takeLease(endpointId, this.holder, RELEASE_QUIET_MS).catch(() => undefined);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { SubscriptionsConfig } from '@app/config';
import { DeliveryMessage, deliveryIdFor } from '@app/contracts';
import { APP_LOGGER, KafkaUnavailableError } from '@app/messaging';
import { DeliveryHistoryRepository, deliveryPartitionOf, EndpointRepository, EventHistoryRepository, NewReplayJob, ReplayJob, ReplayJobRepository, TimeKey } from '@app/persistence';
import { DeliveryPublisher, domainEventOf } from '../history/delivery-publisher';

/** Events read, published and recorded as progress together. */
const BATCH_SIZE = 250;
/** A runner that stops renewing (it died) loses its job to another instance after this. */
const LEASE_MS = 30_000;
/** How often each instance looks for jobs whose runner died. */
const SWEEP_INTERVAL_MS = 10_000;
// Replays share the deliveries topic with live traffic: pacing them keeps a large replay from
// filling the delivery consumers' partitions ahead of fresh events for seconds at a time.
const MAX_MESSAGES_PER_SECOND = 2_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** How long a replay waits before sending a batch again that Kafka did not take. */
const KAFKA_RETRY_MS = 2_000;

/**
 * Runs replay jobs in the background of the subscriptions service. A job publishes one delivery
 * message per matching event, oldest first, under the delivery id the event has (or would have) at
 * that endpoint, so a receiver sees the same `webhook-id` as for the original delivery. Progress and
 * a cursor are saved after each batch that Kafka acknowledged; a job whose instance died is taken
 * over from its cursor (at most one batch is published twice, with the same ids).
 */
@Injectable()
export class ReplayRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly running = new Map<string, Promise<void>>();
  private readonly owner: string;
  private sweeper: NodeJS.Timeout | null = null;
  private sweeping = false;
  private stopping = false;

  constructor(
    private readonly jobs: ReplayJobRepository,
    private readonly events: EventHistoryRepository,
    private readonly deliveries: DeliveryHistoryRepository,
    private readonly endpoints: EndpointRepository,
    private readonly publisher: DeliveryPublisher,
    @Inject(SubscriptionsConfig) config: SubscriptionsConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    this.owner = config.INSTANCE_ID;
  }

  onApplicationBootstrap(): void {
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
    void this.sweep();
  }

  /** Records a new job leased to this instance and starts it; null when the endpoint has one running. */
  async startNew(organizationId: string, job: NewReplayJob): Promise<ReplayJob | null> {
    const created = await this.jobs.create(organizationId, job, this.owner, LEASE_MS);
    if (created) this.launch(created);
    return created;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.sweeper) clearInterval(this.sweeper);
    await Promise.allSettled([...this.running.values()]);
  }

  private launch(job: ReplayJob): void {
    const run = this.run(job)
      .catch(async (err: unknown) => {
        this.logger.error({ err, jobId: job.id, organizationId: job.organizationId }, 'replay failed');
        await this.jobs.finish(job, this.owner, 'failed', `stopped by an internal error after ${job.published} events; start a new replay for the rest`).catch(() => undefined);
      })
      .finally(() => this.running.delete(job.id));
    this.running.set(job.id, run);
  }

  private async sweep(): Promise<void> {
    if (this.stopping || this.sweeping) return;
    this.sweeping = true;
    try {
      for (let job = await this.jobs.claimExpired(this.owner, LEASE_MS); job; job = await this.jobs.claimExpired(this.owner, LEASE_MS)) {
        // Our own job whose lease lapsed (a very slow batch) is still running here: the claim renewed it.
        if (this.running.has(job.id)) continue;
        this.logger.info({ jobId: job.id, published: job.published }, 'taking over a replay whose runner stopped');
        this.launch(job);
      }
    } catch (err) {
      this.logger.warn({ err }, 'could not look for abandoned replays; trying again later');
    } finally {
      this.sweeping = false;
    }
  }

  private async run(job: ReplayJob): Promise<void> {
    const selection = { endpointId: job.endpointId, mode: job.mode, eventTypes: job.eventTypes, from: job.from, to: job.to };
    let cursor: TimeKey | null = job.cursor;
    for (;;) {
      if (this.stopping) {
        await this.jobs.release(job, this.owner);
        return;
      }
      const endpoint = await this.endpoints.findById(job.organizationId, job.endpointId);
      if (!endpoint || endpoint.status !== 'enabled') {
        await this.jobs.finish(job, this.owner, 'failed', endpoint ? 'the endpoint was disabled during the replay' : 'the endpoint was deleted during the replay');
        return;
      }
      const started = Date.now();
      const batch = await this.events.replayBatch(job.organizationId, selection, cursor, BATCH_SIZE);
      if (batch.length === 0) {
        await this.jobs.finish(job, this.owner, 'completed', null);
        this.logger.info({ jobId: job.id, organizationId: job.organizationId }, 'replay completed');
        return;
      }
      const messages: DeliveryMessage[] = batch.map(({ event, attemptCount }) => ({
        deliveryId: deliveryIdFor(job.organizationId, event.id, job.endpointId),
        organizationId: job.organizationId,
        endpointId: job.endpointId,
        // After the attempts already made, so the delivery's recorded state follows this one.
        attempt: attemptCount + 1,
        event: domainEventOf(event),
        trigger: 'replay',
        ...deliveryPartitionOf(endpoint),
      }));
      if (!(await this.publishPatiently(job, messages))) {
        await this.jobs.release(job, this.owner);
        return;
      }
      await this.deliveries.insertPending(messages.map((m) => ({ id: m.deliveryId, organizationId: m.organizationId, eventId: m.event.id, endpointId: m.endpointId })));
      cursor = batch[batch.length - 1].event.key;
      if (!(await this.jobs.advance(job, this.owner, batch.length, cursor, LEASE_MS))) {
        this.logger.warn({ jobId: job.id }, 'replay lease lost to another instance; leaving the job to it');
        return;
      }
      const wait = (batch.length * 1000) / MAX_MESSAGES_PER_SECOND - (Date.now() - started);
      if (wait > 0) await sleep(wait);
    }
  }

  /**
   * The admin API's publishes have a deadline (KAFKA_PUBLISH_TIMEOUT_MS); a replay is background work,
   * so while the broker is away it waits and sends the batch again rather than failing the job. False
   * when the instance stops meanwhile (the job is released for another one).
   */
  private async publishPatiently(job: ReplayJob, messages: DeliveryMessage[]): Promise<boolean> {
    for (let warned = false; ; warned = true) {
      try {
        await this.publisher.publish(messages);
        return true;
      } catch (err) {
        if (!(err instanceof KafkaUnavailableError)) throw err;
        if (!warned) this.logger.warn({ err, jobId: job.id }, 'Kafka is away; the replay waits and sends its batch again');
        if (this.stopping) return false;
        await sleep(KAFKA_RETRY_MS);
      }
    }
  }
}

import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { Topics } from '@app/contracts';
import { FanoutConfig } from '@app/config';
import { APP_LOGGER, EndpointChangeFeed, GroupCommit, KAFKA } from '@app/messaging';
import { EndpointDirectory } from '@app/persistence';
import { DomainTopicDiscovery } from './domain-topic-discovery';
import { sameTopics } from './domain-topics';
import { FanoutMetrics } from './fanout.metrics';
import { FanoutService, RecordOutcome, SourceRecord } from './fanout.service';
import { QuarantineKind } from './quarantine';
import { commitPoint } from './commit-point';
import { AmbiguousCommitError, OpenTransaction, TransactionalProducer } from './transactional-producer';

/**
 * All partitions of one fetch are handed to eachBatch at once and share one transaction (see
 * GroupCommit); this only needs to be at least the partitions a fetch can return.
 */
const PARTITIONS_CONSUMED_CONCURRENTLY = 256;
/** At least this many partitions with a backlog get records in each fetch. */
const PARTITION_SHARES_PER_FETCH = 4;
/** While the change feed is not reading, cached routing is trusted only this long. */
const FEED_DOWN_CACHE_TTL_MS = 1_000;
const RESTART_DELAY_MS = 1_000;
/**
 * Output bytes per Kafka transaction: well under a second of the fan-out's output, far inside the
 * 30 s transaction timeout even on a starved machine; larger buys little (decision 0006).
 */
const MAX_TRANSACTION_BYTES = 8 * 1024 * 1024;
/**
 * Records decoded, logged and routed at a time, their output sent into the open transaction
 * before the next slice is read: a round holds one slice's delivery messages in memory, not a
 * whole fetch's times the fan-out factor (decision 0006 has the memory it saved). Large enough
 * that a fetch at factor 1 is a few database statements, not hundreds.
 */
const SLICE_RECORDS = 1_000;

/**
 * Reads the domain topics and writes delivery and quarantine messages together with the consumed
 * offsets in Kafka transactions (one per fetch, split when its output is large): a crash at any point
 * either commits all three or none, so read-committed readers see exactly one delivery message per
 * (event, endpoint). The event log is written before the transaction; a record read again after an
 * aborted transaction is recognised there by its source position and fanned out again.
 *
 * New domain topics: kafkajs matches a subscription pattern once, at subscribe time, and cannot
 * subscribe while running. So the topic set is read again every FANOUT_TOPIC_REFRESH_MS and, when
 * it changed, the consumer is replaced (leave group, subscribe to the new set, join). That costs one
 * rebalance per change, rare by nature, and works whoever creates the topic (a producer, an
 * operator, a catalog entry). Committed offsets make the restart lossless; `fromBeginning` makes a
 * new topic's first events count.
 *
 * Errors are never swallowed: anything that fails before the commit aborts the transaction (and
 * replaces the producer) and is thrown back to kafkajs, which fetches the same records again
 * (their offsets were not resolved). Only a message's own fault leads to quarantine.
 * A commit whose outcome is unknown also restarts the consumer, so the next read starts from the
 * offsets the broker really holds rather than from kafkajs' memory.
 */
@Injectable()
export class FanoutConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer: Consumer | null = null;
  private topics: string[] = [];
  private readonly producer: TransactionalProducer;
  private readonly changeFeed: EndpointChangeFeed;
  private readonly rounds = new GroupCommit<EachBatchPayload>((batches) => this.runRound(batches));
  /** Start, restart and stop of the consumer happen one at a time, in call order. */
  private lifecycle: Promise<void> = Promise.resolve();
  private refreshTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  /** Set by an unknown commit outcome: nothing is processed until the consumer has been replaced. */
  private recovering = false;
  private restartPending = false;
  private joined = false;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(FanoutConfig) private readonly config: FanoutConfig,
    private readonly fanout: FanoutService,
    private readonly discovery: DomainTopicDiscovery,
    private readonly directory: EndpointDirectory,
    private readonly metrics: FanoutMetrics,
  ) {
    this.changeFeed = new EndpointChangeFeed(kafka, config.INSTANCE_ID, logger);
    // A stable transactional id per instance lets a restarted instance fence its killed
    // predecessor and abort the transaction it left open.
    this.producer = new TransactionalProducer(kafka, `webhooks-fanout-${config.INSTANCE_ID}`, logger);
  }

  /** Ready: able to commit, and consuming in the group (or with nothing to consume yet). */
  isRunning(): boolean {
    if (this.stopping || !this.producer.isConnected()) return false;
    return this.joined || (this.topics.length === 0 && this.refreshTimer !== null);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.directory.setTtl(this.config.FANOUT_ENDPOINT_CACHE_TTL_MS);
    await this.changeFeed.start((change) => this.directory.invalidate(change.organizationId), {
      onResync: () => {
        this.directory.setTtl(this.config.FANOUT_ENDPOINT_CACHE_TTL_MS);
        this.directory.invalidateAll();
      },
      onDown: () => {
        this.directory.setTtl(FEED_DOWN_CACHE_TTL_MS);
        this.directory.invalidateAll();
      },
    });
    await this.producer.connect();
    await this.serially(() => this.reconcile('start'));
    this.scheduleRefresh();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    await this.serially(() => this.stopConsumer());
    await this.producer.disconnect();
    await this.changeFeed.stop();
  }

  private serially(step: () => Promise<void>): Promise<void> {
    const next = this.lifecycle.then(step);
    this.lifecycle = next.catch(() => undefined);
    return next;
  }

  private scheduleRefresh(): void {
    this.refreshTimer = setTimeout(() => {
      void this.serially(() => this.reconcile('topics-changed'))
        .catch((err: unknown) => this.logger.error({ err }, 'could not refresh the domain topic set; trying again at the next refresh'))
        .finally(() => {
          if (!this.stopping) this.scheduleRefresh();
        });
    }, this.config.FANOUT_TOPIC_REFRESH_MS);
  }

  private requestRestart(reason: 'kafkajs-gave-up' | 'unknown-commit-outcome'): void {
    if (this.restartPending || this.stopping) return;
    this.restartPending = true;
    setTimeout(() => {
      this.restartPending = false;
      void this.serially(() => this.reconcile(reason)).catch((err: unknown) => {
        this.logger.error({ err, reason }, 'could not restart the fan-out consumer; trying again');
        this.requestRestart(reason);
      });
    }, RESTART_DELAY_MS);
  }

  /** Makes the consumer match the current topic set; `start`/`topics-changed` leave a matching consumer alone. */
  private async reconcile(reason: 'start' | 'topics-changed' | 'kafkajs-gave-up' | 'unknown-commit-outcome'): Promise<void> {
    if (this.stopping) return;
    const topics = await this.discovery.current();
    const forced = reason === 'kafkajs-gave-up' || reason === 'unknown-commit-outcome';
    if (!forced && this.consumer && sameTopics(topics, this.topics)) return;
    if (!forced && !this.consumer && topics.length === 0 && reason === 'topics-changed') return;
    if (this.consumer) {
      this.metrics.consumerRestarts.inc({ reason });
      this.logger.info({ reason, from: this.topics, to: topics }, 'restarting the fan-out consumer');
    }
    await this.stopConsumer();
    this.topics = topics;
    this.metrics.subscribedTopics.set(topics.length);
    if (topics.length > 0) await this.startConsumer(topics);
  }

  private async startConsumer(topics: string[]): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.config.FANOUT_GROUP_ID,
      readUncommitted: false,
      sessionTimeout: this.config.FANOUT_SESSION_TIMEOUT_MS,
      heartbeatInterval: Math.min(3_000, Math.floor(this.config.FANOUT_SESSION_TIMEOUT_MS / 10)),
      maxWaitTimeInMs: 100,
      maxBytes: this.config.FANOUT_MAX_BYTES_PER_FETCH,
      // kafkajs lists partitions in the same order in every fetch and the broker fills them in that
      // order: a per-partition share below the total keeps a backlog in one partition from starving the rest.
      maxBytesPerPartition: Math.max(16 * 1024, Math.floor(this.config.FANOUT_MAX_BYTES_PER_FETCH / PARTITION_SHARES_PER_FETCH)),
      allowAutoTopicCreation: false,
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.joined = true;
      this.logger.info({ assignment: e.payload.memberAssignment }, 'fan-out joined its consumer group');
    });
    consumer.on(consumer.events.CRASH, (e) => {
      this.joined = false;
      if (e.payload.restart) {
        this.logger.warn({ err: e.payload.error }, 'fan-out consumer crashed; kafkajs restarts it');
      } else if (this.consumer === consumer && !this.stopping) {
        this.logger.error({ err: e.payload.error }, 'fan-out consumer stopped and kafkajs will not restart it; replacing it');
        this.requestRestart('kafkajs-gave-up');
      }
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: PARTITIONS_CONSUMED_CONCURRENTLY,
        eachBatch: (payload) => this.rounds.submit(payload),
      });
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    this.consumer = consumer;
    this.recovering = false;
    this.logger.info({ topics }, 'fan-out consuming');
  }

  /** Leaves the group after the batch in progress has committed or failed. */
  private async stopConsumer(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = null;
    this.joined = false;
    await consumer?.disconnect();
  }

  /**
   * One fetch's batches: decoded, recorded and routed a slice at a time, each slice's output sent
   * into the open transaction, which commits with the offsets of what it holds (usually the whole
   * fetch in one; a new one starts when the output passes MAX_TRANSACTION_BYTES).
   */
  private async runRound(payloads: EachBatchPayload[]): Promise<void> {
    if (this.recovering) throw new Error('waiting for the consumer restart after an unknown commit outcome; the batch will be read again');
    const live = payloads.filter((p) => p.batch.messages.length > 0 && p.isRunning() && !p.isStale());
    if (live.length === 0) return;
    const stopTimer = this.metrics.roundSeconds.startTimer();

    const records: SourceRecord[] = [];
    const positions: Array<{ batch: number; offset: string }> = [];
    live.forEach(({ batch }, b) => {
      for (const m of batch.messages) {
        records.push({ topic: batch.topic, partition: batch.partition, offset: m.offset, key: m.key, value: m.value });
        positions.push({ batch: b, offset: m.offset });
      }
    });
    const batches = live.map(({ batch }) => ({ topic: batch.topic, partition: batch.partition, lastOffset: batch.lastOffset() }));

    let transaction: OpenTransaction | null = null;
    let start = 0;
    let bytes = 0;
    let tally = new Tally();
    try {
      for (let at = 0; at < records.length; ) {
        const end = Math.min(records.length, at + SLICE_RECORDS);
        const outcomes = await this.fanout.process(records.slice(at, end));
        if (!transaction) {
          // A rebalance in progress throws here, before anything more is produced: the new owner re-reads.
          await live[0].heartbeat();
          transaction = await this.producer.begin();
        }
        await transaction.send([
          { topic: Topics.deliveries, messages: outcomes.flatMap((o) => o.deliveries) },
          { topic: Topics.quarantine, messages: outcomes.flatMap((o) => (o.quarantined ? [o.quarantined.message] : [])) },
        ]);
        for (const o of outcomes) bytes += outputBytes(o);
        tally.add(outcomes);
        at = end;
        if (bytes < MAX_TRANSACTION_BYTES && at < records.length) continue;

        const point = commitPoint(batches, positions, start, at);
        const committing = transaction;
        transaction = null;
        await committing.commit({ consumerGroupId: this.config.FANOUT_GROUP_ID, topics: point.offsets });
        for (const { batch, offset } of point.resolved) live[batch].resolveOffset(offset);
        this.count(tally);
        tally = new Tally();
        start = at;
        bytes = 0;
      }
    } catch (err) {
      // Nothing of an unfinished transaction becomes visible; its records are read again.
      await transaction?.abort();
      if (err instanceof AmbiguousCommitError) {
        this.recovering = true;
        this.requestRestart('unknown-commit-outcome');
      }
      throw err;
    }
    stopTimer();
  }

  private count(tally: Tally): void {
    this.metrics.eventsIn.inc(tally.accepted);
    this.metrics.duplicates.inc(tally.duplicates);
    this.metrics.deliveriesOut.inc(tally.deliveries);
    this.metrics.countQuarantined(tally.quarantined);
    if (tally.quarantined.length > 0) this.logger.warn({ count: tally.quarantined.length, kinds: [...new Set(tally.quarantined)] }, 'quarantined domain messages');
  }
}

/** What a transaction's records came to, for the metrics once it is committed (the outcomes themselves are let go). */
class Tally {
  accepted = 0;
  duplicates = 0;
  deliveries = 0;
  readonly quarantined: QuarantineKind[] = [];

  add(outcomes: readonly RecordOutcome[]): void {
    for (const o of outcomes) {
      if (o.accepted) this.accepted++;
      if (o.duplicate) this.duplicates++;
      this.deliveries += o.deliveries.length;
      if (o.quarantined) this.quarantined.push(o.quarantined.kind);
    }
  }
}

function outputBytes(outcome: RecordOutcome): number {
  let bytes = 0;
  for (const m of outcome.deliveries) bytes += (m.value as Buffer).length + 64;
  const q = outcome.quarantined?.message.value;
  if (q) bytes += q.length + 256;
  return bytes;
}

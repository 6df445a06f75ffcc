import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Consumer, EachBatchPayload, Kafka, PartitionAssigners } from 'kafkajs';
import type { Logger } from 'pino';
import { DeliveryStages, EndpointChange, Topics } from '@app/contracts';
import { FanoutConfig } from '@app/config';
import { APP_LOGGER, EndpointChangeFeed, GroupCommit, hashPartition, KAFKA, RotatedAssigner, TopicPartitionCounts } from '@app/messaging';
import { EndpointDirectory } from '@app/persistence';
import { DomainTopicDiscovery } from './domain-topic-discovery';
import { sameTopics } from './domain-topics';
import { FanoutMetrics } from './fanout.metrics';
import { FanoutService, SourceRecord } from './fanout.service';
import { EventSchemas } from './event-schemas';
import { partitionKey, PartitionProducer, PartitionProducers } from './partition-producers';
import { PartitionRound, PartitionTakenError, Tally } from './partition-round';
import { settleAll } from './settle-all';
import { AmbiguousCommitError, isFenced, OpenTransaction } from './transactional-producer';

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
 * (their offsets were not resolved). A commit that fails after its round returned (commitAfterRound)
 * rewinds its partition to the transaction's first record instead. Only a message's own fault leads to quarantine.
 * A commit whose outcome is unknown also restarts the consumer, so the next read starts from the
 * offsets the broker really holds rather than from kafkajs' memory.
 */
@Injectable()
export class FanoutConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer: Consumer | null = null;
  private topics: string[] = [];
  private readonly producers: PartitionProducers;
  private readonly partitionCounts: TopicPartitionCounts;
  private readonly changeFeed: EndpointChangeFeed;
  /** Batches with the time the fan-out was handed each (the start of its latency stages). */
  private readonly rounds = new GroupCommit<HandedBatch>((batches) => this.runRound(batches));
  /** Start, restart and stop of the consumer happen one at a time, in call order. */
  private lifecycle: Promise<void> = Promise.resolve();
  private refreshTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  /** Set by an unknown commit outcome: nothing is processed until the consumer has been replaced. */
  private recovering = false;
  private restartPending = false;
  /**
   * Per input partition (partitionKey), how many of its transactions failed after their round
   * returned (commitAfterRound); see assertNoFailureSince. Kept apart from the producers, which are replaced.
   */
  private readonly failedTransactions = new Map<string, number>();
  /** Set when such a transaction was fenced: the next round makes kafkajs rejoin the group first. */
  private partitionTaken: unknown = null;
  private joined = false;
  private leader = false;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(FanoutConfig) private readonly config: FanoutConfig,
    private readonly fanout: FanoutService,
    private readonly discovery: DomainTopicDiscovery,
    private readonly directory: EndpointDirectory,
    private readonly metrics: FanoutMetrics,
    private readonly schemas: EventSchemas,
  ) {
    this.changeFeed = new EndpointChangeFeed(kafka, config.INSTANCE_ID, logger);
    // One transactional id per input partition: whoever takes a partition fences its previous holder.
    this.producers = new PartitionProducers(kafka, config.FANOUT_GROUP_ID, logger);
    this.partitionCounts = new TopicPartitionCounts(kafka);
  }

  /** Ready: able to commit, and consuming in the group (or with nothing to consume yet). */
  isRunning(): boolean {
    if (this.stopping) return false;
    return this.joined || (this.topics.length === 0 && this.refreshTimer !== null);
  }

  /**
   * The domain topics this instance reads when it leads the fan-out group, else null: the group's lag
   * is reported by its leader only (see FanoutLagMetrics).
   */
  ledTopics(): string[] | null {
    return this.joined && this.leader ? [...this.topics] : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.directory.setTtl(this.config.FANOUT_ENDPOINT_CACHE_TTL_MS);
    this.schemas.setTtl(this.config.FANOUT_ENDPOINT_CACHE_TTL_MS);
    const onChange = (change: EndpointChange) => {
      this.directory.invalidate(change.organizationId);
      if (change.change === 'deleted') this.fanout.filters.forget(change.endpointId);
    };
    await this.changeFeed.start(onChange, {
      onResync: () => {
        this.directory.setTtl(this.config.FANOUT_ENDPOINT_CACHE_TTL_MS);
        this.directory.invalidateAll();
        this.schemas.setTtl(this.config.FANOUT_ENDPOINT_CACHE_TTL_MS);
        this.schemas.invalidate();
      },
      onDown: () => {
        this.directory.setTtl(FEED_DOWN_CACHE_TTL_MS);
        this.directory.invalidateAll();
        this.schemas.setTtl(FEED_DOWN_CACHE_TTL_MS);
        this.schemas.invalidate();
      },
      onEventTypeChange: () => this.schemas.invalidate(),
    });
    await this.serially(() => this.reconcile('start'));
    this.scheduleRefresh();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    await this.serially(() => this.stopConsumer());
    await this.producers.closeAll();
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
      // Domain topics are written outside transactions: the broker answers a waiting fetch as soon as a
      // record arrives, so the wait only sets how often an idle fan-out asks (decision 0015).
      maxWaitTimeInMs: 500,
      maxBytes: this.config.FANOUT_MAX_BYTES_PER_FETCH,
      // kafkajs lists partitions in the same order in every fetch and the broker fills them in that
      // order: a per-partition share below the total keeps a backlog in one partition from starving the rest.
      maxBytesPerPartition: Math.max(16 * 1024, Math.floor(this.config.FANOUT_MAX_BYTES_PER_FETCH / PARTITION_SHARES_PER_FETCH)),
      allowAutoTopicCreation: false,
      // Partition p of each domain topic to a different instance: events are keyed by organization on every
      // topic, and round-robin alone gives one instance partition p of every topic (decision 0022).
      partitionAssigners: [RotatedAssigner, PartitionAssigners.roundRobin],
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.joined = true;
      this.leader = e.payload.isLeader;
      this.logger.info({ assignment: e.payload.memberAssignment }, 'fan-out joined its consumer group');
      void this.producers.retain(e.payload.memberAssignment).catch((err: unknown) => this.logger.warn({ err }, 'could not close the producers of partitions given away'));
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
        eachBatch: (payload) => this.rounds.submit({ payload, readAt: Date.now(), failuresSeen: this.failuresOf(payload.batch) }),
      });
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    this.consumer = consumer;
    this.recovering = false;
    this.logger.info({ topics }, 'fan-out consuming');
  }

  /**
   * Leaves the group after the batch in progress has been handed off or failed, and returns once every
   * transaction still committing has finished: a replacement consumer then reads from offsets that include them.
   */
  private async stopConsumer(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = null;
    this.joined = false;
    this.leader = false;
    await consumer?.disconnect();
    await this.producers.settled();
  }

  /**
   * One fetch's batches, each input partition in a transaction of its own producer (PartitionProducers):
   * decoded, recorded and routed a slice at a time across all partitions (one database statement per
   * slice), each partition's output sent into its open transaction (a new one starts when its output passes
   * MAX_TRANSACTION_BYTES). Records the partition's committed offset already covers (committed by an
   * instance fenced since) are skipped.
   *
   * The round returns to kafkajs once everything is sent, and each transaction commits with its partition's
   * offsets behind it (commitAfterRound): the next fetch, and the decoding, logging and routing of its records,
   * overlap the commit's round trips. A partition's next transaction begins only after its previous one
   * committed, so offsets still commit in order; a failed one rewinds kafkajs to its first record (decision 0017).
   */
  private async runRound(handed: HandedBatch[]): Promise<void> {
    if (this.recovering) throw new Error('waiting for the consumer restart after an unknown commit outcome; the batch will be read again');
    if (this.partitionTaken) {
      // Rejoin before anything else: taking the fenced ids back now would fence the partition's new owner.
      const taken = this.partitionTaken;
      this.partitionTaken = null;
      throw new PartitionTakenError(taken);
    }
    const liveHanded = handed.filter(({ payload: p }) => p.batch.messages.length > 0 && p.isRunning() && !p.isStale());
    if (liveHanded.length === 0) return;
    const live = liveHanded.map((h) => h.payload);
    const consumer = this.consumer;
    const stopTimer = this.metrics.roundSeconds.startTimer();
    const [deliveryPartitions, quarantinePartitions] = await Promise.all([this.partitionCounts.count(Topics.deliveries), this.partitionCounts.count(Topics.quarantine)]);
    const states = await Promise.all(
      liveHanded.map(async ({ payload: { batch }, readAt, failuresSeen }) => new PartitionRound(batch, await this.producerFor(batch), readAt, failuresSeen)),
    );

    const records: Array<SourceRecord & { state: PartitionRound; stages: DeliveryStages }> = [];
    for (const state of states) {
      for (const m of state.batch.messages) {
        if (state.from !== null && BigInt(m.offset) < state.from) continue; // fanned out and committed already
        const stages = { publishedAt: Number(m.timestamp), fanoutReadAt: state.readAt };
        records.push({ topic: state.batch.topic, partition: state.batch.partition, offset: m.offset, key: m.key, value: m.value, state, stages });
      }
    }

    let heartbeatDone = false;
    const open = async (state: PartitionRound): Promise<OpenTransaction> => {
      if (!heartbeatDone) {
        // A rebalance in progress throws here, before anything more is produced: the new owner re-reads.
        await live[0].heartbeat();
        heartbeatDone = true;
      }
      if (!state.transaction) {
        // Begins beside the partition's previous transaction, which may still be committing (on the other id).
        const slot = (state.slot = state.entry.claim());
        await slot.free;
        this.assertNoFailureSince(state);
        state.transaction = await slot.producer.begin();
      }
      return state.transaction;
    };

    try {
      for (let at = 0; at < records.length; ) {
        const end = Math.min(records.length, at + SLICE_RECORDS);
        const slice = records.slice(at, end);
        const outcomes = await this.fanout.process(slice);
        const touched = new Set<PartitionRound>();
        slice.forEach((record, i) => {
          const o = outcomes[i];
          const state = record.state;
          touched.add(state);
          state.take(record.offset, o, record.stages.publishedAt);
          for (const m of o.deliveries) state.deliveries.push(m.partition === undefined ? { ...m, partition: hashPartition(String(m.key), deliveryPartitions) } : m);
          if (o.quarantined) state.quarantined.push({ ...o.quarantined.message, partition: record.partition % quarantinePartitions });
        });
        at = end;
        await settleAll([...touched], async (state) => {
          if (state.deliveries.length + state.quarantined.length > 0) {
            const transaction = await open(state);
            const outgoing = state.drain();
            await transaction.send(outgoing);
          }
          if (state.bytes >= MAX_TRANSACTION_BYTES) {
            await open(state);
            const failed = await this.commitInTurn(state);
            if (failed) throw failed;
          }
        });
      }
      if (!heartbeatDone) await live[0].heartbeat();
      // A partition read to its end commits before the round returns; one with more to read commits behind it
      // (commitAfterRound), its next records read meanwhile. Committing behind only gains under a backlog:
      // at 100 events/s it cost ~5 ms per event (decision 0017).
      const behind = states.filter((state) => BigInt(state.batch.lastOffset()) + 1n < BigInt(state.batch.highWatermark));
      const now = states.filter((state) => !behind.includes(state) && state.commitOffset() !== null);
      const failed = (await Promise.all(now.map((state) => this.commitInTurn(state)))).find((err) => err !== null);
      if (failed) throw failed;
      // Nothing below awaits: every partition with more to read is handed off together, or (on an error above) none is.
      for (const state of behind) this.commitAfterRound(state, consumer);
      void Promise.all(states.map((state) => state.entry.pending)).then(() => stopTimer());
    } catch (err) {
      // Nothing of an unfinished transaction becomes visible; its records are read again.
      await Promise.all(states.map(async (state) => state.transaction?.abort()));
      if (err instanceof AmbiguousCommitError) {
        this.recovering = true;
        this.requestRestart('unknown-commit-outcome');
      }
      if (isFenced(err)) throw new PartitionTakenError(err);
      throw err;
    } finally {
      for (const state of states) state.resolve(live);
    }
  }

  /**
   * The batch's partition producer. A batch starting below what this instance already handed to a
   * transaction is a re-read (a rebalance or a consumer restart fetched from the broker's committed offset
   * while that transaction still committed): it waits for that commit, so the skip counts what it committed.
   */
  private async producerFor(batch: EachBatchPayload['batch']): Promise<PartitionProducer> {
    const known = this.producers.peek(batch.topic, batch.partition);
    if (known?.takenTo != null && BigInt(batch.messages[0].offset) < known.takenTo) await known.pending;
    return this.producers.get(batch.topic, batch.partition);
  }

  private failuresOf({ topic, partition }: { topic: string; partition: number }): number {
    return this.failedTransactions.get(partitionKey(topic, partition)) ?? 0;
  }

  /**
   * A transaction of this partition failed after this batch was handed: the failed one's records are read
   * again from its first (its rewind), so nothing of this batch, which comes after them, may commit first.
   */
  private assertNoFailureSince(state: PartitionRound): void {
    if (this.failuresOf(state.batch) !== state.failuresSeen) {
      throw new Error(`a fan-out transaction failed while ${state.batch.topic}[${state.batch.partition}] waited to commit; its records are read again`);
    }
  }

  /**
   * Commits the state's transaction once the partition's previous one has committed (a transaction with no
   * output is begun here, in its turn). Settles with null, or with the error when it failed or may not
   * commit because an earlier one failed; never rejects. `onFailure` runs before it settles, so whatever
   * waits on it already sees the failure counted.
   */
  private commitInTurn(state: PartitionRound, onFailure?: (err: unknown) => void): Promise<Error | null> {
    const offset = state.commitOffset();
    const slot = state.slot ?? state.entry.claim();
    state.slot = null;
    const outcome = (async (): Promise<Error | null> => {
      await slot.previous;
      try {
        this.assertNoFailureSince(state); // the earlier failure rewound to before these records
        if (offset === null) throw new Error('nothing to commit');
        if (!state.transaction) {
          await slot.free;
          state.transaction = await slot.producer.begin();
        }
      } catch (err) {
        await state.transaction?.abort();
        state.transaction = null;
        return err as Error;
      }
      try {
        const transaction = state.transaction;
        state.transaction = null;
        await transaction.commit({ consumerGroupId: this.config.FANOUT_GROUP_ID, topics: [{ topic: state.batch.topic, partitions: [{ partition: state.batch.partition, offset }] }] });
        state.committed(offset);
        this.count(state.tally, state.readAt);
        state.tally = new Tally();
        return null;
      } catch (err) {
        onFailure?.(err);
        return err as Error;
      }
    })();
    state.entry.committing(slot, outcome);
    return outcome;
  }

  /**
   * Commits the partition's transaction after the round has returned, behind its previous one. A failure
   * is never passed over: the partition is rewound (kafkajs seek) to the transaction's first record, and
   * every round handed a batch before the failure refuses to commit (assertNoFailureSince), so nothing
   * after the failed records commits before they are fanned out again.
   */
  private commitAfterRound(state: PartitionRound, consumer: Consumer | null): void {
    const offset = state.commitOffset();
    const rewindTo = state.firstUncommitted;
    if (offset === null || rewindTo === null) return;
    state.handOff();
    state.entry.takenTo = BigInt(offset);
    void this.commitInTurn(state, (err) => {
      this.failedTransactions.set(partitionKey(state.batch.topic, state.batch.partition), this.failuresOf(state.batch) + 1);
      this.rewind(state, rewindTo, consumer, err);
    });
  }

  private rewind(state: PartitionRound, offset: string, consumer: Consumer | null, err: unknown): void {
    const { topic, partition } = state.batch;
    const fenced = isFenced(err);
    this.metrics.rewinds.inc({ reason: fenced ? 'fenced' : err instanceof AmbiguousCommitError ? 'unknown-commit-outcome' : 'failed' });
    this.logger[fenced ? 'warn' : 'error']({ err, topic, partition, offset }, fenced ? 'a fan-out partition was taken by another instance while its transaction committed; reading it again if it is still ours' : 'a fan-out transaction failed to commit; reading its records again');
    if (err instanceof AmbiguousCommitError) {
      this.recovering = true;
      this.requestRestart('unknown-commit-outcome');
      return;
    }
    if (fenced) this.partitionTaken = err;
    // A replaced consumer reads from the broker's committed offsets anyway.
    if (consumer === null || consumer !== this.consumer) return;
    try {
      consumer.seek({ topic, partition, offset });
    } catch (seekErr) {
      this.logger.error({ err: seekErr, topic, partition }, 'could not rewind the fan-out consumer; replacing it');
      this.recovering = true;
      this.requestRestart('unknown-commit-outcome');
    }
  }

  private count(tally: Tally, readAt: number): void {
    const now = Date.now();
    for (const publishedAt of tally.publishedAts) this.metrics.stages.observe('published_to_fanout_read', publishedAt, readAt);
    this.metrics.stages.observe('fanout_read_to_committed', readAt, now, tally.publishedAts.length);
    this.metrics.eventsIn.inc(tally.accepted);
    this.metrics.duplicates.inc(tally.duplicates);
    this.metrics.deliveriesOut.inc(tally.deliveries);
    this.metrics.filteredOut.inc(tally.filteredOut);
    this.metrics.countQuarantined(tally.quarantined);
    if (tally.quarantined.length > 0) this.logger.warn({ count: tally.quarantined.length, kinds: [...new Set(tally.quarantined)] }, 'quarantined domain messages');
  }
}

interface HandedBatch {
  payload: EachBatchPayload;
  readAt: number;
  /** The partition's count of failed transactions (FanoutConsumer.failedTransactions) when kafkajs handed the batch. */
  failuresSeen: number;
}

import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Consumer, EachBatchPayload, Kafka, PartitionAssigners, TopicOffsets } from 'kafkajs';
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
import { isGroupMovedOn, PartitionRound, PartitionTakenError, Tally } from './partition-round';
import { RoundProducers, TransactionSlot } from './round-producers';
import { AmbiguousCommitError, isFenced, OpenTransaction } from './transactional-producer';

/**
 * All partitions of one fetch are handed to eachBatch at once and share one round, and so one transaction
 * (see GroupCommit); this only needs to be at least the partitions a fetch can return.
 */
const PARTITIONS_CONSUMED_CONCURRENTLY = 256;
/** At least this many partitions with a backlog get records in each fetch. */
const PARTITION_SHARES_PER_FETCH = 4;
/** While the change feed is not reading, cached routing is trusted only this long. */
const FEED_DOWN_CACHE_TTL_MS = 1_000;
const RESTART_DELAY_MS = 1_000;
/**
 * The consumer's retries of a refused request, among them the stable offset read at assignment, which the
 * coordinator refuses while a transaction holding the partition's offsets is open: they must outlast a
 * killed instance's transaction (FANOUT_TRANSACTION_TIMEOUT_MS, plus the broker's check for timed-out ones).
 */
const CONSUMER_RETRY = { initialRetryTime: 100, multiplier: 2, maxRetryTime: 2_000 };
/**
 * Output bytes per Kafka transaction: well under a second of the fan-out's output, far inside the
 * transaction timeout (FANOUT_TRANSACTION_TIMEOUT_MS, 10 s) even on a starved machine; larger buys little
 * (decision 0006).
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
 * offsets in Kafka transactions (one per round: all partitions of a fetch, split when its output is large):
 * a crash at any point either commits all three or none, so read-committed readers see exactly one delivery
 * message per (event, endpoint). The offsets carry the group generation their batches were handed under, so
 * a transaction of an instance the group has moved on from aborts (RoundProducers). The event log is written
 * before the transaction; a record read again after an aborted transaction is recognised there by its source
 * position and fanned out again.
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
  private readonly producers: RoundProducers;
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
  /** How many transactions failed after their round returned (commitAfterRound); see assertNoFailureSince. */
  private failedTransactions = 0;
  /**
   * Per input partition (partitionKey) of the current assignment, the offset its last committed transaction
   * left it at (or, before one, where the consumer started it): where it is read again after a failure.
   */
  private readonly committedTo = new Map<string, string>();
  /** The partitions of each transaction handed off to commit after its round (commitAfterRound) and not yet settled. */
  private readonly handedOff = new Set<ReadonlyArray<{ topic: string; partition: number }>>();
  /** Set when the group refused such a transaction's offsets: the next round makes kafkajs rejoin the group first. */
  private partitionTaken: unknown = null;
  /** The generation and member id of the consumer's latest join: what the offsets of the batches handed since carry. */
  private member: GroupMember | null = null;
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
    this.producers = new RoundProducers(kafka, config.FANOUT_GROUP_ID, config.INSTANCE_ID, config.FANOUT_TRANSACTION_TIMEOUT_MS, logger);
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
    await this.producers.close();
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
    // Before joining: the InitProducerIds abort what a predecessor with this INSTANCE_ID left open.
    await this.producers.connect();
    const consumer = this.kafka.consumer({
      groupId: this.config.FANOUT_GROUP_ID,
      readUncommitted: false,
      // A partition's starting offset waits for a transaction that holds its offsets (another instance's, or a
      // stale one of this instance's) to end, instead of reading from before it and fanning out twice.
      requireStableOffsets: true,
      retry: { ...CONSUMER_RETRY, retries: Math.ceil((this.config.FANOUT_TRANSACTION_TIMEOUT_MS + 10_000) / CONSUMER_RETRY.maxRetryTime) + 5 },
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
      this.member = { generationId: e.payload.generationId, memberId: e.payload.memberId };
      // The consumer starts every partition of the new assignment from its stable committed offset.
      this.committedTo.clear();
      this.logger.info({ assignment: e.payload.memberAssignment, generationId: e.payload.generationId }, 'fan-out joined its consumer group');
    });
    consumer.on(consumer.events.CRASH, (e) => {
      this.joined = false;
      this.member = null;
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
        eachBatch: (payload) => this.rounds.submit({ payload, readAt: Date.now(), failuresSeen: this.failedTransactions, member: this.member }),
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
    this.member = null;
    await consumer?.disconnect();
    await this.producers.settled();
  }

  /**
   * One fetch's batches in one transaction: decoded, recorded and routed a slice at a time across all
   * partitions (one database statement per slice), each slice's output sent into the round's open transaction
   * (a new one starts when its output passes MAX_TRANSACTION_BYTES), which commits with every partition's
   * offsets. One transaction per round, not per input partition: at 500 events/s of seven event types that is
   * 38 transactions a second instead of 253, each five requests and two marker writes (decision 0031).
   *
   * A round with a partition that has more to read returns to kafkajs once everything is sent, and its
   * transaction commits behind it (commitAfterRound): the next fetch, and the decoding, logging and routing of
   * its records, overlap the commit's round trips. A transaction begins beside the previous one but commits
   * only after it committed, so offsets still commit in order; a failed one rewinds kafkajs to where each
   * partition's last commit left it (decision 0017, commitAfterRound).
   */
  private async runRound(handed: HandedBatch[]): Promise<void> {
    if (this.recovering) throw new Error('waiting for the consumer restart after an unknown commit outcome; the batch will be read again');
    if (this.partitionTaken) {
      // Rejoin before anything else: this instance's generation is out of date.
      const taken = this.partitionTaken;
      this.partitionTaken = null;
      throw new PartitionTakenError(taken);
    }
    const liveHanded = handed.filter(({ payload: p }) => p.batch.messages.length > 0 && p.isRunning() && !p.isStale());
    if (liveHanded.length === 0) return;
    const live = liveHanded.map((h) => h.payload);
    const member = liveHanded[0].member;
    if (member === null || liveHanded.some((h) => h.member !== member)) {
      throw new PartitionTakenError(new Error('the batches of this round were handed in different generations of the group'));
    }
    const handedAs: HandedAs = { member, failuresSeen: Math.min(...liveHanded.map((h) => h.failuresSeen)) };
    if (member === this.member) {
      // The first batch of a partition since the join starts where its committed offset stands.
      for (const { batch } of live) if (!this.committedTo.has(partitionKey(batch))) this.committedTo.set(partitionKey(batch), batch.messages[0].offset);
    }
    const consumer = this.consumer;
    const stopTimer = this.metrics.roundSeconds.startTimer();
    const [deliveryPartitions, quarantinePartitions] = await Promise.all([this.partitionCounts.count(Topics.deliveries), this.partitionCounts.count(Topics.quarantine)]);
    const states = liveHanded.map(({ payload: { batch }, readAt }) => new PartitionRound(batch, readAt));

    const records: Array<SourceRecord & { state: PartitionRound; stages: DeliveryStages }> = [];
    for (const state of states) {
      for (const m of state.batch.messages) {
        const stages = { publishedAt: Number(m.timestamp), fanoutReadAt: state.readAt };
        records.push({ topic: state.batch.topic, partition: state.batch.partition, offset: m.offset, key: m.key, value: m.value, state, stages });
      }
    }

    const open: RoundTransaction = { slot: null, transaction: null };
    let heartbeatDone = false;
    const begin = async (): Promise<OpenTransaction> => {
      if (!heartbeatDone) {
        // A rebalance in progress throws here, before anything is produced: the partitions' next owner reads them.
        await live[0].heartbeat();
        heartbeatDone = true;
      }
      if (!open.transaction) {
        // Begins beside the previous transaction, which may still be committing (on the other id).
        const slot = (open.slot = this.producers.claim());
        await slot.free;
        this.assertNoFailureSince(handedAs);
        open.transaction = await slot.producer.begin();
      }
      return open.transaction;
    };

    try {
      for (let at = 0; at < records.length; ) {
        const end = Math.min(records.length, at + SLICE_RECORDS);
        const slice = records.slice(at, end);
        const outcomes = await this.fanout.process(slice);
        slice.forEach((record, i) => {
          const o = outcomes[i];
          const state = record.state;
          state.take(record.offset, o, record.stages.publishedAt);
          for (const m of o.deliveries) state.deliveries.push(m.partition === undefined ? { ...m, partition: hashPartition(String(m.key), deliveryPartitions) } : m);
          if (o.quarantined) state.quarantined.push({ ...o.quarantined.message, partition: record.partition % quarantinePartitions });
        });
        at = end;
        const outgoing = states.flatMap((state) => state.drain());
        if (outgoing.length > 0) await (await begin()).send(outgoing);
        if (states.reduce((bytes, state) => bytes + state.bytes, 0) >= MAX_TRANSACTION_BYTES) {
          await begin();
          const failed = await this.commitInTurn(states, open, handedAs);
          if (failed) throw failed;
        }
      }
      if (!heartbeatDone) await live[0].heartbeat();
      if (states.some((state) => state.commitOffset() !== null)) {
        // A round whose partitions were all read to their end commits before it returns; one with more to read
        // commits behind it (commitAfterRound), the next records read meanwhile. Committing behind only gains
        // under a backlog: at 100 events/s it cost ~5 ms per event (decision 0017).
        const behind = states.some((state) => BigInt(state.batch.lastOffset()) + 1n < BigInt(state.batch.highWatermark));
        if (behind) {
          // Nothing after this awaits: every partition is handed off, or (on an error above) none is.
          this.commitAfterRound(states, open, handedAs, consumer);
        } else {
          const failed = await this.commitInTurn(states, open, handedAs);
          if (failed) throw failed;
        }
      }
      void this.producers.pending.then(() => stopTimer());
    } catch (err) {
      // Nothing of an unfinished transaction becomes visible; its records are read again.
      await open.transaction?.abort();
      if (err instanceof AmbiguousCommitError) {
        this.recovering = true;
        this.requestRestart('unknown-commit-outcome');
      }
      if (isGroupMovedOn(err)) throw new PartitionTakenError(err);
      throw err;
    } finally {
      for (const state of states) state.resolve(live);
    }
  }

  /**
   * A transaction failed after these batches were handed: its partitions, and those of every transaction
   * handed off since, are read again from their last commit (the rewind), so nothing handed before the
   * failure, which may come after the failed records, may commit first.
   */
  private assertNoFailureSince(handedAs: HandedAs): void {
    if (this.failedTransactions !== handedAs.failuresSeen) throw new EarlierFailureError();
  }

  /**
   * Commits the round's open transaction, with the offsets of every partition that took records since its last
   * commit, once the previous transaction has committed (a round with no output begins its transaction here, in
   * its turn). Settles with null, or with the error when it failed or may not commit because an earlier one
   * failed; never rejects. `onFailure` runs before it settles, so whatever waits on it already sees the failure counted.
   */
  private commitInTurn(states: readonly PartitionRound[], open: RoundTransaction, handedAs: HandedAs, onFailure?: (err: unknown) => void): Promise<Error | null> {
    const taken = states.flatMap((state) => {
      const offset = state.commitOffset();
      return offset === null ? [] : [{ state, offset }];
    });
    const slot = open.slot ?? this.producers.claim();
    let transaction = open.transaction;
    open.slot = null;
    open.transaction = null;
    const outcome = (async (): Promise<Error | null> => {
      await slot.previous;
      try {
        this.assertNoFailureSince(handedAs); // the earlier failure rewound to before these records
        if (taken.length === 0) throw new Error('nothing to commit');
        if (!transaction) {
          await slot.free;
          transaction = await slot.producer.begin();
        }
      } catch (err) {
        await transaction?.abort();
        onFailure?.(err);
        return err as Error;
      }
      try {
        await transaction.commit({ consumerGroupId: this.config.FANOUT_GROUP_ID, topics: offsetsByTopic(taken), groupMetadata: handedAs.member });
        for (const { state, offset } of taken) {
          if (handedAs.member === this.member) this.committedTo.set(partitionKey(state.batch), offset);
          state.committed();
          this.count(state.tally, state.readAt);
          state.tally = new Tally();
        }
        return null;
      } catch (err) {
        onFailure?.(err);
        return err as Error;
      }
    })();
    this.producers.committing(slot, outcome);
    return outcome;
  }

  /**
   * Commits the round's transaction after the round has returned, behind the previous one. A failure is never
   * passed over: every partition with a transaction handed off and not yet committed (this one's, and those
   * handed off after it, which will refuse to commit) is rewound (kafkajs seek) to where its last commit left
   * it, and every round handed a batch before the failure refuses to commit (assertNoFailureSince), so nothing
   * after the failed records commits before they are fanned out again.
   */
  private commitAfterRound(states: readonly PartitionRound[], open: RoundTransaction, handedAs: HandedAs, consumer: Consumer | null): void {
    // Checked here, with nothing awaited before the hand-off: a transaction handed off is then sure to be among
    // those the next failure rewinds.
    this.assertNoFailureSince(handedAs);
    const partitions = states.filter((state) => state.commitOffset() !== null).map(({ batch }) => ({ topic: batch.topic, partition: batch.partition }));
    this.handedOff.add(partitions);
    for (const state of states) state.handOff();
    void this.commitInTurn(states, open, handedAs, (err) => {
      // Refused because an earlier one failed: that failure rewound this one's partitions too.
      if (err instanceof EarlierFailureError) return;
      this.failedTransactions++;
      this.rewind(consumer, err);
    }).then(() => this.handedOff.delete(partitions));
  }

  private rewind(consumer: Consumer | null, err: unknown): void {
    const reason = isGroupMovedOn(err) ? 'group-moved-on' : isFenced(err) ? 'fenced' : err instanceof AmbiguousCommitError ? 'unknown-commit-outcome' : 'failed';
    const partitions = [...new Map([...this.handedOff].flat().map((p) => [partitionKey(p), p])).values()];
    this.metrics.rewinds.inc({ reason }, partitions.length);
    this.logger[reason === 'failed' || reason === 'unknown-commit-outcome' ? 'error' : 'warn']({ err, reason, partitions }, 'a fan-out transaction failed to commit after its round returned; reading its records again');
    if (err instanceof AmbiguousCommitError) {
      this.recovering = true;
      this.requestRestart('unknown-commit-outcome');
      return;
    }
    // The group moved on: the rejoin reads the stable committed offsets, which is where the seeks below go too.
    if (reason === 'group-moved-on') this.partitionTaken = err;
    // A replaced consumer reads from the broker's committed offsets anyway.
    if (consumer === null || consumer !== this.consumer) return;
    try {
      for (const p of partitions) {
        const offset = this.committedTo.get(partitionKey(p));
        if (offset !== undefined) consumer.seek({ ...p, offset });
      }
    } catch (seekErr) {
      this.logger.error({ err: seekErr, partitions }, 'could not rewind the fan-out consumer; replacing it');
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

/** A transaction failed while this one waited to commit: the records of both are read again. */
class EarlierFailureError extends Error {
  constructor() {
    super('a fan-out transaction failed while this round waited to commit; its records are read again');
    this.name = 'EarlierFailureError';
  }
}

/** The key of one input partition in the fan-out's per-partition maps. */
function partitionKey({ topic, partition }: { topic: string; partition: number }): string {
  return `${topic}\u0000${partition}`;
}

/** The consumer's generation in the group and its member id there, as its offsets must name them. */
interface GroupMember {
  generationId: number;
  memberId: string;
}

interface HandedBatch {
  payload: EachBatchPayload;
  readAt: number;
  /** FanoutConsumer.failedTransactions when kafkajs handed the batch. */
  failuresSeen: number;
  /** The group membership the batch was handed under (null: not joined, never committed). */
  member: GroupMember | null;
}

/** What a round's transaction must be committed as: its batches' membership and failure count when handed. */
interface HandedAs {
  member: GroupMember;
  failuresSeen: number;
}

/** The round's open transaction and the turn it was begun in; emptied when it is committed. */
interface RoundTransaction {
  slot: TransactionSlot | null;
  transaction: OpenTransaction | null;
}

/** The consumed offsets to commit, grouped by topic as TxnOffsetCommit wants them. */
function offsetsByTopic(taken: ReadonlyArray<{ state: PartitionRound; offset: string }>): TopicOffsets[] {
  const topics = new Map<string, TopicOffsets>();
  for (const { state, offset } of taken) {
    let topic = topics.get(state.batch.topic);
    if (!topic) topics.set(state.batch.topic, (topic = { topic: state.batch.topic, partitions: [] }));
    topic.partitions.push({ partition: state.batch.partition, offset });
  }
  return [...topics.values()];
}

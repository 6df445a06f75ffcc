import { Kafka, Message, Producer, RequestEvent, TopicMessages, TopicOffsets } from 'kafkajs';
import { CachingDefaultPartitioner } from './caching-partitioner';
import type { Logger } from 'pino';

/**
 * The broker refuses a record batch above the topic's `max.message.bytes` (1 MiB by default) and
 * kafkajs does not split: keep every produce request, and so every per-partition batch in it,
 * below that.
 */
const MAX_REQUEST_BYTES = 900 * 1024;
/** Per-record framing beyond key, value and headers (varints, attributes, deltas), rounded up. */
const RECORD_OVERHEAD_BYTES = 32;
/**
 * The coordinator answers EndTxn before it has written the commit markers, so the next
 * transaction's first AddPartitionsToTxn usually gets CONCURRENT_TRANSACTIONS and must be retried.
 * Completing the markers takes ~5 ms on the local broker: with the client-wide 300 ms first backoff
 * that retry dominated a transaction (decision 0006), and with 20 ms it still did once a partition's
 * next transaction began right behind the previous commit (decision 0017). Waits from 2 ms growing
 * 1.5x, capped at 5 s, still wait about a minute in all for a broker that is really gone.
 */
const TRANSACTION_RETRY = { initialRetryTime: 2, multiplier: 1.5, maxRetryTime: 5_000, retries: 30 };

type Transaction = Awaited<ReturnType<Producer['transaction']>>;
/** `groupMetadata`: the consumer's generation and member id; the group coordinator refuses the offsets of a member it has moved on from. */
export type TransactionOffsets = { consumerGroupId: string; topics: TopicOffsets[]; groupMetadata?: { generationId: number; memberId: string } };
/** How a transaction ended; a failed one is aborted first when `abort` is given (not after an unknown commit outcome). */
type TransactionEnd = { failed: false } | { failed: true; abort: (() => Promise<void>) | null; error: unknown };

/**
 * The transaction was ended from outside: a newer producer initialised this transactional id, or the coordinator
 * aborted the transaction when it outlived its timeout (and bumped the epoch). kafkajs wraps the broker's answer
 * (INVALID_PRODUCER_EPOCH, or PRODUCER_FENCED, code 90, which it does not name) in errors of its own, so the chain
 * is searched.
 */
export function isFenced(err: unknown): boolean {
  for (let e = err as { type?: string; code?: number; message?: string; cause?: unknown; originalError?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (e.type === 'INVALID_PRODUCER_EPOCH' || e.type === 'PRODUCER_FENCED' || e.code === 90) return true;
    if (typeof e.message === 'string' && /old epoch|producer.*fenced/i.test(e.message)) return true;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return false;
}

/** The commit request was sent but its outcome is unknown: the offsets may or may not be committed. */
export class AmbiguousCommitError extends Error {
  constructor(cause: unknown) {
    super(`transaction commit outcome unknown: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'AmbiguousCommitError';
  }
}

/**
 * A transactional producer that writes messages and consumed offsets atomically, one transaction
 * at a time. After any failure it is replaced, so it is always usable again: the new producer's
 * InitProducerId (same transactional id) makes the coordinator finish or abort whatever the old
 * one left open, and starts clean idempotence sequences. That includes being fenced: the fan-out's ids
 * belong to its process (RoundProducers), so a fence means the coordinator timed a transaction out, or
 * a misconfigured second process shares the INSTANCE_ID; who may commit which offsets is decided by the
 * consumer group (the offsets carry the member's generation), not by the id.
 */
export class TransactionalProducer {
  private producer: Producer | null = null;
  private busy = false;
  private closed = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly transactionalId: string,
    private readonly logger: Logger,
    /** The coordinator aborts a transaction open longer: what a crashed holder's open transaction blocks lasts this long. */
    private readonly transactionTimeoutMs = 30_000,
    /** Called with every request the producer makes (kafkajs' REQUEST instrumentation event). */
    private readonly onRequest?: (request: RequestEvent['payload']) => void,
  ) {}

  /**
   * kafkajs initialises the transactional producer id lazily, at the first transaction. Doing it
   * now fences a killed predecessor with the same transactional id at start: its open transaction
   * is aborted before we consume, instead of holding back read-committed readers until our first batch.
   */
  async connect(): Promise<void> {
    const producer = this.kafka.producer({
      transactionalId: this.transactionalId,
      idempotent: true,
      // No maxInFlightRequests (kafkajs' default: unbounded), so a transaction's independent requests share
      // the coordinator's connection at once (OpenTransaction). Produce requests still go one at a time:
      // kafkajs' idempotent producer takes a lock per broker around each, which keeps its sequence numbers in order.
      transactionTimeout: this.transactionTimeoutMs,
      retry: TRANSACTION_RETRY,
      allowAutoTopicCreation: false,
      createPartitioner: CachingDefaultPartitioner,
    });
    if (this.onRequest) {
      const onRequest = this.onRequest;
      producer.on(producer.events.REQUEST, (event: RequestEvent) => onRequest(event.payload));
    }
    await producer.connect();
    try {
      await (await producer.transaction()).abort();
    } catch (err) {
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
    this.producer = producer;
  }

  /**
   * Opens a transaction. Its messages can be sent in parts (so a large round need not be held in
   * memory at once), then committed with the consumed offsets. Any failure aborts it and replaces
   * the producer; the handle is then dead. One transaction at a time.
   */
  async begin(): Promise<OpenTransaction> {
    if (!this.producer) throw new Error('transactional producer is not connected');
    if (this.busy) throw new Error('a transaction is already in progress on this producer');
    this.busy = true;
    try {
      return new OpenTransaction(await this.producer.transaction(), (transaction) => this.finish(transaction));
    } catch (err) {
      await this.finish({ failed: true, abort: null, error: err });
      throw err;
    }
  }

  /**
   * After a transaction ended: committed (null), or failed. After a failure the producer is
   * replaced even when the abort worked: after a failed produce kafkajs' idempotence sequence
   * numbers can be off, and every later transaction would then fail with
   * OUT_OF_ORDER_SEQUENCE_NUMBER. A new producer id has none.
   */
  private async finish(ended: TransactionEnd): Promise<void> {
    try {
      if (ended.failed) {
        if (isFenced(ended.error)) this.logger.warn({ err: ended.error, transactionalId: this.transactionalId }, 'the fan-out transaction was ended by the coordinator (timed out, or another process initialised this transactional id); initialising it again');
        // A fenced producer has nothing left to abort: the coordinator already did.
        else if (ended.abort) await ended.abort().catch((abortErr: unknown) => this.logger.warn({ err: abortErr }, 'could not abort the fan-out transaction'));
        await this.reset();
      }
    } finally {
      this.busy = false;
    }
  }

  /** Replaces the producer; retried until it works, because nothing can be produced without it. */
  private async reset(): Promise<void> {
    const old = this.producer;
    this.producer = null;
    await old?.disconnect().catch(() => undefined);
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw new Error('transactional producer closed');
      try {
        await this.connect();
        return;
      } catch (err) {
        this.logger.error({ err, attempt }, 'could not recreate the fan-out transactional producer');
        await new Promise((resolve) => setTimeout(resolve, Math.min(500 * attempt, 5_000)));
      }
    }
  }

  async disconnect(): Promise<void> {
    this.closed = true;
    const producer = this.producer;
    this.producer = null;
    await producer?.disconnect();
  }
}

/**
 * A transaction in progress on a TransactionalProducer: send in parts, then commit or abort.
 *
 * Its requests overlap where they do not depend on each other. A transaction is AddPartitionsToTxn then
 * Produce for each part, AddOffsetsToTxn then TxnOffsetCommit for the offsets, and EndTxn after all of them;
 * the two chains are independent. So a part is sent in the background (`send` returns once the part before
 * it is done, which keeps one part in flight), and `commit` starts the offsets' chain beside the last part:
 * a one-part transaction is three round trips in series instead of five. The broker handles a connection's
 * requests one at a time, in order, so the two coordinator requests never meet each other there.
 */
export class OpenTransaction {
  private ended = false;
  /** The part in flight: settles with null when it was sent, with its error when it failed; never rejects. */
  private sending: Promise<Error | null> = Promise.resolve(null);

  constructor(
    private readonly transaction: Transaction,
    private readonly finish: (ended: TransactionEnd) => Promise<void>,
  ) {}

  /**
   * Starts sending a part and returns once the part before it has been sent; a part that failed fails the
   * next `send` or the `commit`, which aborts the transaction.
   *
   * Every message must name its partition. A part goes in as few requests as its bytes allow, each over
   * many partitions: kafkajs (patched) registers all of a request's partitions with the transaction in one
   * AddPartitionsToTxn, then sends each leader broker its Produce in parallel (decision 0032).
   */
  async send(outgoing: TopicMessages[]): Promise<void> {
    this.assertOpen();
    const failed = await this.sending;
    if (failed) {
      await this.fail(true, failed);
      throw failed;
    }
    this.assertOpen();
    this.sending = this.sendParts(outgoing).then(
      () => null,
      (err: unknown) => asError(err, 'a fan-out transaction part failed to send'),
    );
  }

  private async sendParts(outgoing: TopicMessages[]): Promise<void> {
    for (const topicMessages of chunkByBytes(byPartition(outgoing), MAX_REQUEST_BYTES)) {
      await this.transaction.sendBatch({ topicMessages, acks: -1 });
    }
  }

  async commit(offsets: TransactionOffsets): Promise<void> {
    this.assertOpen();
    const [sendFailed, offsetsFailed] = await Promise.all([
      this.sending,
      sendOffsets(this.transaction, offsets).then(
        () => null,
        (err: unknown) => asError(err, 'the fan-out transaction could not add its offsets'),
      ),
    ]);
    const failed = sendFailed ?? offsetsFailed;
    if (failed) {
      await this.fail(true, failed);
      throw failed;
    }
    try {
      await this.transaction.commit();
    } catch (err) {
      await this.fail(false, err);
      // Fenced: the coordinator aborted this transaction (or a new holder's InitProducerId did), so its outcome is known.
      if (isFenced(err)) throw err;
      throw new AmbiguousCommitError(err);
    }
    this.ended = true;
    await this.finish({ failed: false });
  }

  /** Gives the transaction up (nothing of it becomes visible) and replaces the producer. */
  async abort(): Promise<void> {
    if (this.ended) return;
    await this.fail(true, null);
  }

  /** Ends the transaction as failed, once the part in flight has settled (its outcome decides nothing any more). */
  private async fail(abort: boolean, error: unknown): Promise<void> {
    this.ended = true;
    await this.sending;
    await this.finish({ failed: true, abort: abort ? () => this.transaction.abort() : null, error });
  }

  private assertOpen(): void {
    if (this.ended) throw new Error('the fan-out transaction has already ended');
  }
}

/**
 * kafkajs retries a refused AddPartitionsToTxn, but not AddOffsetsToTxn: the first request of a transaction
 * that produced nothing (every record a duplicate, or wanted by no endpoint) is AddOffsetsToTxn, and right
 * after the previous commit the coordinator (transaction protocol v1, the only one kafkajs speaks) still
 * writes that commit's markers and answers CONCURRENT_TRANSACTIONS. That is the coordinator asking to be
 * asked again, not a failure of the transaction: try again after the same short waits.
 */
async function sendOffsets(transaction: Transaction, offsets: TransactionOffsets): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await transaction.sendOffsets(offsets);
      return;
    } catch (err) {
      const concurrent = (err as { type?: string }).type === 'CONCURRENT_TRANSACTIONS';
      if (!concurrent || attempt >= TRANSACTION_RETRY.retries) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(TRANSACTION_RETRY.initialRetryTime * TRANSACTION_RETRY.multiplier ** attempt, TRANSACTION_RETRY.maxRetryTime)));
    }
  }
}

function asError(err: unknown, what: string): Error {
  return err instanceof Error ? err : new Error(`${what}: ${String(err)}`, { cause: err });
}

/** One entry per (topic, partition), in first-seen order; every message must name its partition. */
export function byPartition(outgoing: readonly TopicMessages[]): TopicMessages[] {
  const groups = new Map<string, TopicMessages>();
  for (const { topic, messages } of outgoing) {
    for (const message of messages) {
      if (typeof message.partition !== 'number') throw new Error(`a transactional message to ${topic} without a partition`);
      const key = `${topic}\u0000${message.partition}`;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { topic, messages: [] }));
      group.messages.push(message);
    }
  }
  return [...groups.values()];
}

/** Splits the messages into requests of at most `maxBytes` (a larger single message goes alone). */
export function chunkByBytes(outgoing: readonly TopicMessages[], maxBytes: number): TopicMessages[][] {
  const chunks: TopicMessages[][] = [];
  let current: TopicMessages[] = [];
  let currentBytes = 0;
  for (const { topic, messages } of outgoing) {
    let group: Message[] = [];
    for (const message of messages) {
      const size = messageBytes(message);
      if (currentBytes + size > maxBytes && currentBytes > 0) {
        if (group.length > 0) current.push({ topic, messages: group });
        chunks.push(current);
        current = [];
        group = [];
        currentBytes = 0;
      }
      group.push(message);
      currentBytes += size;
    }
    if (group.length > 0) current.push({ topic, messages: group });
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function messageBytes(message: Message): number {
  let size = RECORD_OVERHEAD_BYTES + byteLength(message.key) + byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    size += Buffer.byteLength(name) + (Array.isArray(value) ? value.reduce<number>((n, v) => n + byteLength(v), 0) : byteLength(value));
  }
  return size;
}

function byteLength(value: Buffer | string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

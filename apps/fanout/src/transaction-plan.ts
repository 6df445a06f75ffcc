import { TopicOffsets } from 'kafkajs';

/** One consumed batch (one partition's records from one fetch). */
export interface PlannedBatch {
  topic: string;
  partition: number;
  /** The batch's last offset, which can be a transaction control record after the last data record. */
  lastOffset: string;
}

/** One record of the round, in round order (batch by batch, offsets ascending within a batch). */
export interface PlannedRecord {
  batch: number;
  offset: string;
  /** Bytes this record produces (its delivery messages or its quarantine copy). */
  outputBytes: number;
}

export interface PlannedTransaction {
  /** Records [start, end) of the round. */
  start: number;
  end: number;
  /** Offsets to commit with the transaction: one past the last record taken from each batch. */
  offsets: TopicOffsets[];
  /** What to tell kafkajs once committed: the last offset taken from each batch. */
  resolved: Array<{ batch: number; offset: string }>;
}

/**
 * Splits a round into consecutive transactions of at most `maxBytes` of output, at record
 * boundaries (a record's messages are never split; one larger than the budget goes alone). Each
 * transaction commits a contiguous prefix of every partition, so a failure in a later one re-reads
 * exactly what was not committed. The bound keeps a transaction far inside the broker's transaction
 * timeout whatever the fan-out factor: a transaction that can never finish in time would be aborted
 * and retried forever.
 */
export function planTransactions(batches: readonly PlannedBatch[], records: readonly PlannedRecord[], maxBytes: number): PlannedTransaction[] {
  const lastIndexOfBatch = new Map<number, number>();
  records.forEach((r, i) => lastIndexOfBatch.set(r.batch, i));
  const plan: PlannedTransaction[] = [];
  let start = 0;
  while (start < records.length) {
    let end = start;
    let bytes = 0;
    while (end < records.length && (end === start || bytes + records[end].outputBytes <= maxBytes)) {
      bytes += records[end].outputBytes;
      end++;
    }
    const lastTaken = new Map<number, number>();
    for (let i = start; i < end; i++) lastTaken.set(records[i].batch, i);
    const byTopic = new Map<string, TopicOffsets>();
    const resolved: PlannedTransaction['resolved'] = [];
    for (const [batchIndex, recordIndex] of lastTaken) {
      const batch = batches[batchIndex];
      // The batch's last offset also skips a trailing control record, so it is not fetched again.
      const offset = lastIndexOfBatch.get(batchIndex) === recordIndex ? batch.lastOffset : records[recordIndex].offset;
      const entry = byTopic.get(batch.topic) ?? { topic: batch.topic, partitions: [] };
      entry.partitions.push({ partition: batch.partition, offset: (BigInt(offset) + 1n).toString() });
      byTopic.set(batch.topic, entry);
      resolved.push({ batch: batchIndex, offset });
    }
    plan.push({ start, end, offsets: [...byTopic.values()], resolved });
    start = end;
  }
  return plan;
}

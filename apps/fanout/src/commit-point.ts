import { TopicOffsets } from 'kafkajs';

/** One consumed batch (one partition's records from one fetch). */
export interface RoundBatch {
  topic: string;
  partition: number;
  /** The batch's last offset, which can be a transaction control record after the last data record. */
  lastOffset: string;
}

/** One record of the round, in round order (batch by batch, offsets ascending within a batch). */
export interface RoundRecord {
  batch: number;
  offset: string;
}

/** What one transaction commits: the consumed offsets, and what to tell kafkajs afterwards. */
export interface CommitPoint {
  /** Offsets to commit with the transaction: one past the last record taken from each batch. */
  offsets: TopicOffsets[];
  /** The last offset taken from each batch (for resolveOffset once committed). */
  resolved: Array<{ batch: number; offset: string }>;
}

/**
 * The commit of records [start, end) of a round whose records before `start` are already
 * committed: for every batch with records in the range, one past the last of them, so each
 * transaction commits a contiguous prefix of every partition and a failure in a later one re-reads
 * exactly what was not committed. Where the range holds the batch's last record, the batch's own
 * last offset is taken, which also skips a trailing control record so it is not fetched again.
 */
export function commitPoint(batches: readonly RoundBatch[], records: readonly RoundRecord[], start: number, end: number): CommitPoint {
  const lastTaken = new Map<number, number>();
  for (let i = start; i < end; i++) lastTaken.set(records[i].batch, i);
  const byTopic = new Map<string, TopicOffsets>();
  const resolved: CommitPoint['resolved'] = [];
  for (const [batchIndex, recordIndex] of lastTaken) {
    const batch = batches[batchIndex];
    const lastOfBatch = recordIndex + 1 >= records.length || records[recordIndex + 1].batch !== batchIndex;
    const offset = lastOfBatch ? batch.lastOffset : records[recordIndex].offset;
    const entry = byTopic.get(batch.topic) ?? { topic: batch.topic, partitions: [] };
    entry.partitions.push({ partition: batch.partition, offset: (BigInt(offset) + 1n).toString() });
    byTopic.set(batch.topic, entry);
    resolved.push({ batch: batchIndex, offset });
  }
  return { offsets: [...byTopic.values()], resolved };
}

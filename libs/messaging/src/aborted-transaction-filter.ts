/**
 * kafkajs hides records of aborted transactions from read-committed consumers with its own filter, and that
 * filter, as published (2.2.4, the last release), lets some through: it enters at most one aborted
 * transaction per record and trusts the broker's list to be ordered by first offset, which it is not when
 * several producers' transactions interleave (ours: two fan-out producers per instance, several instances). The
 * project patches it (patches/kafkajs+2.2.4.patch, applied by patch-package at npm install; decision 0012).
 * Every Kafka client checks the patch is in place before it is made, so an install that skipped it
 * (`npm ci --ignore-scripts`) stops at start-up with what to do, instead of delivering aborted records.
 */

interface FilterMessage {
  offset: string;
  key: Buffer | null;
  batchContext: { producerId: string; inTransaction: boolean };
}
export type FilterAbortedMessages = (batch: { messages: FilterMessage[]; abortedTransactions: Array<{ producerId: string; firstOffset: string }> }) => FilterMessage[];

/** kafkajs' own filter, the function its consumers run on every fetched batch. */
export function kafkajsAbortedMessageFilter(): FilterAbortedMessages {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs does not export it; the internal module is what its consumers call
  return require('kafkajs/src/consumer/filterAbortedMessages') as FilterAbortedMessages;
}

/** What to do when a check finds kafkajs unpatched (each patched behaviour has its own check). */
export const KAFKAJS_PATCH_REMEDY =
  'Run `npm install` (or `npx patch-package`) in the project folder so patches/kafkajs+2.2.4.patch is applied, and do not install with --ignore-scripts.';

let checked = false;

/** Throws, naming the fix, when kafkajs' filter lets a record of an aborted transaction through. */
export function assertAbortedTransactionsFiltered(filter: FilterAbortedMessages = kafkajsAbortedMessageFilter()): void {
  if (checked) return;
  const record = (offset: number, producerId: string): FilterMessage => ({ offset: String(offset), key: Buffer.from('k'), batchContext: { producerId, inTransaction: true } });
  // Two producers' aborted transactions, both begun before the first record fetched, listed out of order.
  const kept = filter({
    messages: [record(10, '1'), record(11, '2')],
    abortedTransactions: [
      { producerId: '2', firstOffset: '5' },
      { producerId: '1', firstOffset: '3' },
    ],
  });
  if (kept.length > 0) {
    throw new Error(
      'kafkajs is not patched: its read-committed consumers would return records of aborted Kafka transactions. ' +
        KAFKAJS_PATCH_REMEDY,
    );
  }
  checked = true;
}

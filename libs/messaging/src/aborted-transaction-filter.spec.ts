import { assertAbortedTransactionsFiltered, FilterAbortedMessages, kafkajsAbortedMessageFilter } from './aborted-transaction-filter';

/** A fetched record: `p<id>` in a transaction of producer <id>, `p<id>!` that producer's abort marker, `plain` outside any transaction. */
function record(offset: number, what: string) {
  const abort = what.endsWith('!');
  const producerId = what === 'plain' ? '-1' : what.slice(1).replace('!', '');
  return { offset: String(offset), key: abort ? Buffer.from([0, 0, 0, 0]) : Buffer.from('key'), batchContext: { producerId, inTransaction: what !== 'plain' } };
}

const aborted = (producerId: string, firstOffset: number) => ({ producerId, firstOffset: String(firstOffset) });

// kafkajs' filter as this project installs it (patched): which records a read-committed consumer is given.
describe('kafkajs read-committed filter of aborted transactions', () => {
  const filter = kafkajsAbortedMessageFilter();

  it.each([
    {
      name: 'two producers aborted before the fetch began, listed out of first-offset order',
      records: ['p1', 'p2', 'p1', 'p2', 'p1!', 'p2!', 'p3'],
      abortedTransactions: [aborted('2', 5), aborted('1', 3)],
      kept: [14, 15, 16],
    },
    {
      name: 'three aborted transactions entered before one record (more than one per record)',
      records: ['p1', 'p2', 'p3', 'p1!', 'p2!', 'p3!'],
      abortedTransactions: [aborted('3', 1), aborted('2', 2), aborted('1', 3)],
      kept: [13, 14, 15],
    },
    {
      name: 'the same producer aborts, commits, aborts again',
      records: ['p1', 'p1!', 'p1', 'p1', 'p1'],
      abortedTransactions: [aborted('1', 10), aborted('1', 14)],
      kept: [11, 12, 13],
    },
    {
      name: 'records before the aborted transaction began are kept',
      records: ['p1', 'p1', 'p2', 'p1', 'p1!'],
      abortedTransactions: [aborted('1', 13)],
      kept: [10, 11, 12, 14],
    },
    {
      name: 'records outside transactions are never dropped',
      records: ['plain', 'p1', 'plain', 'p1!'],
      abortedTransactions: [aborted('1', 5)],
      kept: [10, 12, 13],
    },
    {
      name: 'an abort marker of a transaction not in the list changes nothing',
      records: ['p2!', 'p1', 'p1!', 'p2'],
      abortedTransactions: [aborted('1', 11)],
      kept: [10, 12, 13],
    },
    { name: 'no aborted transactions', records: ['p1', 'p2'], abortedTransactions: [], kept: [10, 11] },
  ])('$name', ({ records, abortedTransactions, kept }) => {
    const messages = records.map((what, i) => record(10 + i, what));
    expect(filter({ messages, abortedTransactions }).map((m) => Number(m.offset))).toEqual(kept);
  });

  it('should refuse to go on, naming the fix, when the filter is the unpatched one', () => {
    // kafkajs 2.2.4's published logic: one aborted transaction entered per record, in list order.
    const unpatched: FilterAbortedMessages = ({ messages, abortedTransactions }) => {
      const remaining = [...abortedTransactions];
      const current = new Set<string>();
      return messages.filter((m) => {
        if (remaining.length && BigInt(m.offset) >= BigInt(remaining[0].firstOffset)) current.add((remaining.shift() as { producerId: string }).producerId);
        return !(current.has(m.batchContext.producerId) && m.batchContext.inTransaction);
      });
    };
    expect(() => assertAbortedTransactionsFiltered(unpatched)).toThrow(/kafkajs is not patched.*npm install/);
    expect(() => assertAbortedTransactionsFiltered()).not.toThrow();
  });
});

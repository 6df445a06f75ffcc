import { planTransactions, PlannedBatch, PlannedRecord } from './transaction-plan';

const batches: PlannedBatch[] = [
  { topic: 'order.new', partition: 0, lastOffset: '12' }, // 12 is a control record after offset 11
  { topic: 'order.new', partition: 3, lastOffset: '41' },
  { topic: 'customer.created', partition: 1, lastOffset: '7' },
];
const records: PlannedRecord[] = [
  { batch: 0, offset: '10', outputBytes: 400 },
  { batch: 0, offset: '11', outputBytes: 400 },
  { batch: 1, offset: '40', outputBytes: 400 },
  { batch: 1, offset: '41', outputBytes: 400 },
  { batch: 2, offset: '7', outputBytes: 100 },
];

describe('planTransactions', () => {
  it('should commit the whole round in one transaction when it fits, past trailing control records', () => {
    const plan = planTransactions(batches, records, 10_000);
    expect(plan).toEqual([
      {
        start: 0,
        end: 5,
        offsets: [
          { topic: 'order.new', partitions: [{ partition: 0, offset: '13' }, { partition: 3, offset: '42' }] },
          { topic: 'customer.created', partitions: [{ partition: 1, offset: '8' }] },
        ],
        resolved: [
          { batch: 0, offset: '12' },
          { batch: 1, offset: '41' },
          { batch: 2, offset: '7' },
        ],
      },
    ]);
  });

  it('should split at record boundaries and commit a contiguous prefix of a partition split across transactions', () => {
    const plan = planTransactions(batches, records, 1_200);
    expect(plan.map((t) => [t.start, t.end])).toEqual([
      [0, 3],
      [3, 5],
    ]);
    expect(plan[0].offsets).toEqual([{ topic: 'order.new', partitions: [{ partition: 0, offset: '13' }, { partition: 3, offset: '41' }] }]);
    expect(plan[0].resolved).toEqual([
      { batch: 0, offset: '12' },
      { batch: 1, offset: '40' },
    ]);
    expect(plan[1].offsets).toEqual([
      { topic: 'order.new', partitions: [{ partition: 3, offset: '42' }] },
      { topic: 'customer.created', partitions: [{ partition: 1, offset: '8' }] },
    ]);
  });

  it('should give a record larger than the budget a transaction of its own', () => {
    const big: PlannedRecord[] = [
      { batch: 0, offset: '10', outputBytes: 50 },
      { batch: 0, offset: '11', outputBytes: 5_000 },
      { batch: 1, offset: '40', outputBytes: 50 },
    ];
    expect(planTransactions(batches, big, 1_000).map((t) => [t.start, t.end])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
  });

  it('should plan nothing for an empty round', () => {
    expect(planTransactions(batches, [], 1_000)).toEqual([]);
  });
});

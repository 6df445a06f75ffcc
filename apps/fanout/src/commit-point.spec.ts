import { commitPoint, RoundBatch, RoundRecord } from './commit-point';

const batches: RoundBatch[] = [
  { topic: 'order.new', partition: 0, lastOffset: '12' }, // 12 is a control record after offset 11
  { topic: 'order.new', partition: 3, lastOffset: '41' },
  { topic: 'customer.created', partition: 1, lastOffset: '7' },
];
const records: RoundRecord[] = [
  { batch: 0, offset: '10' },
  { batch: 0, offset: '11' },
  { batch: 1, offset: '40' },
  { batch: 1, offset: '41' },
  { batch: 2, offset: '7' },
];

describe('commitPoint', () => {
  it.each<[string, number, number, ReturnType<typeof commitPoint>]>([
    [
      'the whole round, past a trailing control record',
      0,
      5,
      {
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
    ],
    [
      'a first slice ending inside a batch: that batch up to its last record taken',
      0,
      3,
      {
        offsets: [{ topic: 'order.new', partitions: [{ partition: 0, offset: '13' }, { partition: 3, offset: '41' }] }],
        resolved: [
          { batch: 0, offset: '12' },
          { batch: 1, offset: '40' },
        ],
      },
    ],
    [
      'the slice after it: the rest of that batch and the next one',
      3,
      5,
      {
        offsets: [
          { topic: 'order.new', partitions: [{ partition: 3, offset: '42' }] },
          { topic: 'customer.created', partitions: [{ partition: 1, offset: '8' }] },
        ],
        resolved: [
          { batch: 1, offset: '41' },
          { batch: 2, offset: '7' },
        ],
      },
    ],
    ['a slice inside one batch', 0, 1, { offsets: [{ topic: 'order.new', partitions: [{ partition: 0, offset: '11' }] }], resolved: [{ batch: 0, offset: '10' }] }],
    ['an empty range', 2, 2, { offsets: [], resolved: [] }],
  ])('should commit %s', (_what, start, end, expected) => {
    expect(commitPoint(batches, records, start, end)).toEqual(expected);
  });
});

import { PartitionWindow } from './partition-window';

/** Offsets added, which of them settle (in that order), and the commit point after each settle (null: unchanged). */
const CASES: Array<{ name: string; offsets: number[]; settle: number[]; points: Array<number | null> }> = [
  { name: 'should commit past each message settled in order', offsets: [0, 1, 2], settle: [0, 1, 2], points: [1, 2, 3] },
  { name: 'should hold the commit at the lowest unsettled offset when later ones settle first', offsets: [0, 1, 2], settle: [2, 1, 0], points: [null, null, 3] },
  { name: 'should jump over offsets that carry no message (transaction markers)', offsets: [5, 7, 10], settle: [5, 7], points: [7, 10] },
  { name: 'should move past the last message when all are settled, not past what was never taken', offsets: [3, 4], settle: [4, 3], points: [null, 5] },
  { name: 'should stop at a gap in settling in the middle', offsets: [0, 1, 2, 3], settle: [0, 2, 3], points: [1, null, null] },
];

describe('PartitionWindow', () => {
  it.each(CASES)('$name', ({ offsets, settle, points }) => {
    const window = new PartitionWindow();
    const slots = new Map(offsets.map((o) => [o, window.add(BigInt(o))]));
    const seen = settle.map((o) => {
      slots.get(o)!.settled = true;
      const point = window.advance();
      return point === null ? null : Number(point);
    });
    expect(seen).toEqual(points);
  });

  it.each([
    { name: 'nothing settled above the point (the settled one committable)', offsets: [0, 1, 2], settle: [0], runs: [] },
    { name: 'runs of settled slots above an unsettled one', offsets: [0, 1, 2, 3, 5, 6], settle: [1, 2, 5, 6], runs: ['1-2', '5-6'] },
    { name: 'a run across offsets that carry no message', offsets: [0, 2, 5, 7], settle: [2, 5], runs: ['2-5'] },
    { name: 'single settled slots between unsettled ones', offsets: [0, 1, 2, 3, 4], settle: [1, 3], runs: ['1-1', '3-3'] },
  ])('should list as settled runs above the commit point: $name', ({ offsets, settle, runs }) => {
    const window = new PartitionWindow();
    const slots = new Map(offsets.map((o) => [o, window.add(BigInt(o))]));
    for (const o of settle) slots.get(o)!.settled = true;
    window.advance();
    expect([...window.settledRuns()].map((r) => `${r.from}-${r.to}`)).toEqual(runs);
  });

  it('should refuse an offset behind what was taken (a refetched batch must be filtered first)', () => {
    const window = new PartitionWindow();
    window.add(10n);
    expect(() => window.add(9n)).toThrow(RangeError);
  });

  it('should give back a held message: the next expected offset moves back to it', () => {
    const window = new PartitionWindow();
    window.add(10n);
    window.expectNext(11n);
    expect(window.nextExpected()).toBe(11n);
    expect(() => window.expectNext(10n)).toThrow(RangeError);
  });

  it('should keep its commit point across compaction of many settled slots', () => {
    const window = new PartitionWindow();
    for (let i = 0; i < 5000; i++) window.add(BigInt(i)).settled = true;
    expect(window.advance()).toBe(5000n);
    window.add(5000n);
    expect(window.advance()).toBeNull();
    expect(window.size).toBe(1);
  });
});

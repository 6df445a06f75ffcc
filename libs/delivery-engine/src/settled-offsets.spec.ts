import { decodeSettledOffsets, encodeSettledOffsets, OffsetRange } from './settled-offsets';

const run = (from: number, to = from): OffsetRange => ({ from: BigInt(from), to: BigInt(to) });

describe('settled offsets in a commit', () => {
  it.each([
    { name: 'should write nothing when nothing above the point is settled', point: 10n, runs: [], metadata: null },
    { name: 'should write one message as its gap after the point', point: 10n, runs: [run(12)], metadata: 's1:10:2' },
    { name: 'should write a run as its gap and its length less one', point: 10n, runs: [run(10, 14)], metadata: 's1:10:0.4' },
    { name: 'should count each gap from the end of the run before', point: 100n, runs: [run(101, 102), run(110), run(111, 146)], metadata: 's1:100:1.1,7,0.z' },
    { name: 'should leave out runs below the point (committed already)', point: 50n, runs: [run(40, 45), run(48, 52)], metadata: 's1:50:0.2' },
    { name: 'should write large offsets exactly', point: 9_007_199_254_740_993n, runs: [run(0), { from: 9_007_199_254_740_995n, to: 9_007_199_254_740_995n }], metadata: 's1:9007199254740993:2' },
  ])('$name', ({ point, runs, metadata }) => {
    const written = encodeSettledOffsets(point, runs);
    expect(written).toBe(metadata);
    if (written) expect(decodeSettledOffsets(written)).toEqual(runs.filter((r) => r.to >= point).map((r) => ({ from: r.from < point ? point : r.from, to: r.to })));
  });

  it('should keep the lowest runs that fit and stay within the bound', () => {
    const runs = Array.from({ length: 2_000 }, (_, i) => run(1_000 + 3 * i));
    const written = encodeSettledOffsets(1_000n, runs, 100)!;
    expect(written.length).toBeLessThanOrEqual(100);
    const read = decodeSettledOffsets(written);
    expect(read.length).toBeGreaterThan(10);
    expect(read).toEqual(runs.slice(0, read.length));
  });

  it.each([
    { name: 'no metadata', metadata: null },
    { name: 'an empty string', metadata: '' },
    { name: 'another writer’s metadata', metadata: 'consumer-1 at 5' },
    { name: 'no runs', metadata: 's1:10:' },
    { name: 'a damaged run', metadata: 's1:10:2,x-1' },
    { name: 'a point that is not a number', metadata: 's1:ten:2' },
    { name: 'an unknown trailing field', metadata: 's1:10:2:more' },
  ])('should name no offset for $name', ({ metadata }) => {
    expect(decodeSettledOffsets(metadata)).toEqual([]);
  });
});

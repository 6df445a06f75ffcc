import { keepTrying } from './keep-trying';

/** A function that fails `failures` times, then answers 'done'. */
function flaky(failures: number) {
  let calls = 0;
  return {
    fn: async () => {
      calls++;
      if (calls <= failures) throw new Error(`failure ${calls}`);
      return 'done';
    },
    calls: () => calls,
  };
}

describe('keepTrying', () => {
  const noSleep = async () => undefined;

  it.each([
    { failures: 0, calls: 1 },
    { failures: 1, calls: 2 },
    { failures: 7, calls: 8 },
  ])('should call again until it works: $failures failure(s) -> $calls call(s)', async ({ failures, calls }) => {
    const f = flaky(failures);
    const seen: number[] = [];
    await expect(keepTrying(f.fn, { abandoned: () => false, sleep: noSleep, onFailure: (_e, n) => seen.push(n) })).resolves.toBe('done');
    expect(f.calls()).toBe(calls);
    expect(seen).toEqual(Array.from({ length: failures }, (_, i) => i + 1));
  });

  it('should throw the last error once abandoned, without calling again', async () => {
    const f = flaky(100);
    let abandon = false;
    const run = keepTrying(f.fn, {
      abandoned: () => abandon,
      sleep: noSleep,
      onFailure: (_e, n) => {
        if (n === 3) abandon = true;
      },
    });
    await expect(run).rejects.toThrow('failure 3');
    expect(f.calls()).toBe(3);
  });

  it('should give up at once when abandoned before the first failure is retried', async () => {
    const f = flaky(1);
    await expect(keepTrying(f.fn, { abandoned: () => true, sleep: noSleep })).rejects.toThrow('failure 1');
    expect(f.calls()).toBe(1);
  });

  it.each([
    { failures: 1, ms: 200 },
    { failures: 2, ms: 400 },
    { failures: 3, ms: 800 },
    { failures: 4, ms: 1600 },
    { failures: 5, ms: 2000 },
    { failures: 50, ms: 2000 },
  ])('should wait $ms ms after $failures failure(s) by default', async ({ failures, ms }) => {
    const waits: number[] = [];
    await keepTrying(flaky(failures).fn, { abandoned: () => false, sleep: async (w) => void waits.push(w) });
    expect(waits[failures - 1]).toBe(ms);
  });
});

import { settleAll } from './settle-all';

describe('settleAll', () => {
  const later = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('should fail only after the slower steps have finished, with the first failure', async () => {
    const finished: string[] = [];
    const steps: Record<string, () => Promise<void>> = {
      refused: async () => {
        finished.push('refused');
        throw new Error('heartbeat refused: a rebalance is in progress');
      },
      opening: async () => {
        await later(50);
        finished.push('opening');
      },
      failingLater: async () => {
        await later(20);
        finished.push('failingLater');
        throw new Error('second failure');
      },
    };
    await expect(settleAll(Object.keys(steps), (name) => steps[name]())).rejects.toThrow('heartbeat refused');
    // Promise.all would have rejected at once, with 'opening' still running behind the caller's abort.
    expect(finished).toEqual(['refused', 'failingLater', 'opening']);
  });

  it.each([
    ['no items', [] as number[]],
    ['one item', [1]],
    ['several items', [1, 2, 3]],
  ])('should resolve once every step succeeded (%s)', async (_, items) => {
    const done: number[] = [];
    await settleAll(items, async (n) => {
      await later(n);
      done.push(n);
    });
    expect(done.sort()).toEqual(items);
  });
});

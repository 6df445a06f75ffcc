import { GroupCommit } from './group-commit';

describe('GroupCommit', () => {
  it('should run items submitted in the same tick as one round', async () => {
    const rounds: number[][] = [];
    const commit = new GroupCommit<number>(async (items) => void rounds.push(items));
    await Promise.all([commit.submit(1), commit.submit(2), commit.submit(3)]);
    expect(rounds).toEqual([[1, 2, 3]]);
  });

  it('should run items submitted during a round in the next round, never two rounds at once', async () => {
    const rounds: number[][] = [];
    let active = 0;
    let maxActive = 0;
    let release: () => void = () => undefined;
    const firstRoundBlocked = new Promise<void>((resolve) => (release = resolve));
    const commit = new GroupCommit<number>(async (items) => {
      active++;
      maxActive = Math.max(maxActive, active);
      rounds.push(items);
      if (rounds.length === 1) await firstRoundBlocked;
      active--;
    });
    const first = commit.submit(1);
    await new Promise((r) => setImmediate(r));
    const later = [commit.submit(2), commit.submit(3)];
    release();
    await Promise.all([first, ...later]);
    expect(rounds).toEqual([[1], [2, 3]]);
    expect(maxActive).toBe(1);
  });

  it('should reject every item of a failed round and still run later rounds', async () => {
    let calls = 0;
    const commit = new GroupCommit<number>(async () => {
      calls++;
      if (calls === 1) throw new Error('transaction aborted');
    });
    const failed = await Promise.allSettled([commit.submit(1), commit.submit(2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(commit.submit(3)).resolves.toBeUndefined();
    expect(calls).toBe(2);
  });
});

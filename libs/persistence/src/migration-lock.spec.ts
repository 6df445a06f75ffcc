import { describeHolder, LockHolder, MigrationLockTimeoutError, pendingMigrations, waitForMigrationLock } from './migration-lock';

const holder: LockHolder = {
  pid: 4242,
  applicationName: 'fanout',
  state: 'active',
  query: 'CREATE INDEX CONCURRENTLY events_received_brin ON events USING brin (received_at)',
  querySeconds: 12.4,
  blockedBy: [77],
};

/** A clock that moves only when the waiter sleeps, so the schedule is exact. */
function fakeClock() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms) };
}

describe('waitForMigrationLock', () => {
  it('returns at once when the first poll gets the lock, without looking up a holder or warning', async () => {
    const warn = jest.fn();
    const lookups = jest.fn();
    const waited = await waitForMigrationLock({ tryLock: async () => true, holder: lookups, log: { warn }, ...fakeClock() }, { timeoutMs: 1000 });
    expect(waited).toBe(0);
    expect(lookups).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
  });

  it('polls until the lock is free, warning after 3 s and then every 10 s, naming the holder', async () => {
    const clock = fakeClock();
    const warnings: Array<{ at: number; message: string }> = [];
    const waited = await waitForMigrationLock(
      {
        tryLock: async () => clock.now() >= 25_000,
        holder: async () => holder,
        log: { warn: (_fields, message) => warnings.push({ at: clock.now(), message }) },
        ...clock,
      },
      { timeoutMs: 60_000, pollMs: 250 },
    );
    expect(waited).toBe(25_000);
    expect(warnings.map((w) => w.at)).toEqual([3_000, 13_000, 23_000]);
    expect(warnings[0].message).toContain('pid 4242, application_name "fanout"');
    expect(warnings[0].message).toContain('itself waiting for pid(s) 77');
  });

  it('gives up after the timeout with an error naming the holder, the setting and the way out', async () => {
    const clock = fakeClock();
    const attempt = waitForMigrationLock({ tryLock: async () => false, holder: async () => holder, log: { warn: () => undefined }, ...clock }, { timeoutMs: 5_000 });
    await expect(attempt).rejects.toBeInstanceOf(MigrationLockTimeoutError);
    await expect(attempt).rejects.toThrow(
      'gave up waiting for the migration lock after 5 s (MIGRATION_LOCK_TIMEOUT_SECONDS); it is held by pid 4242, application_name "fanout", ' +
        'state active, running "CREATE INDEX CONCURRENTLY events_received_brin ON events USING brin (received_at)" for 12 s, itself waiting for pid(s) 77. ' +
        'If that migration is still making progress, start this service again or raise MIGRATION_LOCK_TIMEOUT_SECONDS; ' +
        'if that session is stuck, end it (SELECT pg_terminate_backend(4242)) and start this service again.',
    );
    expect(clock.now()).toBe(5_000);
  });
});

describe('describeHolder', () => {
  it('says "last statement" for an idle holder (its query is over) and copes with a holder already gone', () => {
    expect(describeHolder({ ...holder, state: 'idle', blockedBy: [] })).toBe(
      'pid 4242, application_name "fanout", state idle, last statement "CREATE INDEX CONCURRENTLY events_received_brin ON events USING brin (received_at)"',
    );
    expect(describeHolder(null)).toBe('a session that released it while we looked');
  });
});

describe('pendingMigrations', () => {
  it('keeps the order of the code and drops the applied ones', () => {
    expect(pendingMigrations(['A1', 'B2', 'C3'], ['B2'])).toEqual(['A1', 'C3']);
    expect(pendingMigrations(['A1'], ['A1', 'Z9'])).toEqual([]);
  });
});

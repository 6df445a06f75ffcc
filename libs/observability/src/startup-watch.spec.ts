import { databaseHost, watchStartup } from './startup-watch';

describe('watchStartup', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('says after 3 s and every 10 s what it waits for, naming the current step, and stays silent once stopped', () => {
    const lines: string[] = [];
    const watch = watchStartup({ info: (_f, m) => lines.push(m), warn: (_f, m) => lines.push(m) }, { now: () => Date.now() });
    watch.step('PostgreSQL at db:5432/webhooks');
    jest.advanceTimersByTime(2_999);
    expect(lines).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(lines).toEqual(['still starting after 3 s: waiting for PostgreSQL at db:5432/webhooks']);
    watch.step('Kafka at k:9092 (consumers joining their groups)');
    jest.advanceTimersByTime(10_000);
    expect(lines[1]).toBe('still starting after 13 s: waiting for Kafka at k:9092 (consumers joining their groups)');
    watch.stop();
    jest.advanceTimersByTime(60_000);
    expect(lines).toHaveLength(2);
  });

  it('says it at info while the wait is ordinary and at warn from 30 s on', () => {
    const lines: string[] = [];
    const watch = watchStartup({ info: (_f, m) => lines.push(`info ${m}`), warn: (_f, m) => lines.push(`warn ${m}`) }, { now: () => Date.now() });
    watch.step('Kafka');
    jest.advanceTimersByTime(33_000);
    expect(lines).toEqual([
      'info still starting after 3 s: waiting for Kafka',
      'info still starting after 13 s: waiting for Kafka',
      'info still starting after 23 s: waiting for Kafka',
      'warn still starting after 33 s: waiting for Kafka',
    ]);
    watch.stop();
  });
});

describe('databaseHost', () => {
  it('keeps host, port and database, never the password', () => {
    expect(databaseHost('postgres://u:secret@10.0.0.5:6432/webhooks')).toBe('10.0.0.5:6432/webhooks');
    expect(databaseHost('postgres://u:secret@db/webhooks')).toBe('db:5432/webhooks');
  });
});

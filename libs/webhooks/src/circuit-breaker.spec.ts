import { CircuitBreaker } from './circuit-breaker';

type Step = ['allow', number, boolean] | ['record', number, boolean] | ['allowNoProbe', number, boolean];

describe('CircuitBreaker', () => {
  it.each<[string, Step[]]>([
    ['should stay closed below the threshold', [['record', 0, false], ['record', 1, false], ['allow', 2, true]]],
    ['should open at the threshold', [['record', 0, false], ['record', 1, false], ['record', 2, false], ['allow', 3, false]]],
    ['should forget failures after a success', [['record', 0, false], ['record', 1, false], ['record', 2, true], ['record', 3, false], ['allow', 4, true]]],
    ['should let one probe through after openMs', [['record', 0, false], ['record', 0, false], ['record', 0, false], ['allow', 999, false], ['allow', 1000, true], ['allow', 1001, false]]],
    ['should close after a successful probe', [['record', 0, false], ['record', 0, false], ['record', 0, false], ['allow', 1000, true], ['record', 1001, true], ['allow', 1002, true]]],
    ['should reopen after a failed probe', [['record', 0, false], ['record', 0, false], ['record', 0, false], ['allow', 1000, true], ['record', 1001, false], ['allow', 1500, false], ['allow', 2001, true]]],
    ['should pass a caller that may not probe while closed', [['record', 0, false], ['allowNoProbe', 1, true]]],
    ['should not make a caller that may not probe the probe, and keep the probe for one that may', [['record', 0, false], ['record', 0, false], ['record', 0, false], ['allowNoProbe', 1000, false], ['allowNoProbe', 5000, false], ['allow', 5000, true], ['allow', 5001, false]]],
    ['should refuse a caller that may not probe while a probe is out, and pass it once the probe succeeded', [['record', 0, false], ['record', 0, false], ['record', 0, false], ['allow', 1000, true], ['allowNoProbe', 1001, false], ['record', 1002, true], ['allowNoProbe', 1003, true]]],
  ])('%s', (_name, steps) => {
    const breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 1000 });
    for (const [op, at, value] of steps) {
      if (op === 'record') breaker.record('ep_1', value, at);
      else expect([op, at, breaker.allow('ep_1', at, op === 'allow')]).toEqual([op, at, value]);
    }
    expect(breaker.allow('ep_other', 0)).toBe(true);
  });
});

describe('CircuitBreaker.summary', () => {
  const failures = (breaker: CircuitBreaker, key: string, n: number, at: number) => {
    for (let i = 0; i < n; i++) breaker.record(key, false, at);
  };

  it.each<[string, (b: CircuitBreaker) => void, number, number, ReturnType<CircuitBreaker['summary']>]>([
    ['should count nothing when no call failed', () => undefined, 0, 5, { closedFailing: 0, open: 0, halfOpen: 0, longestOpen: [] }],
    ['should count a closed endpoint with failures below the threshold', (b) => failures(b, 'ep_a', 2, 0), 10, 5, { closedFailing: 1, open: 0, halfOpen: 0, longestOpen: [] }],
    ['should count open endpoints and list the longest open first', (b) => (failures(b, 'ep_a', 3, 100), failures(b, 'ep_b', 3, 0)), 500, 5, {
      closedFailing: 0, open: 2, halfOpen: 0, longestOpen: [{ key: 'ep_b', openForMs: 500 }, { key: 'ep_a', openForMs: 400 }],
    }],
    ['should keep only the top N', (b) => ['ep_a', 'ep_b', 'ep_c'].forEach((k, i) => failures(b, k, 3, i)), 10, 2, {
      closedFailing: 0, open: 3, halfOpen: 0, longestOpen: [{ key: 'ep_a', openForMs: 10 }, { key: 'ep_b', openForMs: 9 }],
    }],
    ['should count a probing endpoint as half-open, open since the first opening', (b) => (failures(b, 'ep_a', 3, 0), b.allow('ep_a', 1000)), 1500, 5, {
      closedFailing: 0, open: 0, halfOpen: 1, longestOpen: [{ key: 'ep_a', openForMs: 1500 }],
    }],
    ['should keep the first opening time when a failed probe reopens the circuit', (b) => (failures(b, 'ep_a', 3, 0), b.allow('ep_a', 1000), b.record('ep_a', false, 1200)), 3000, 5, {
      closedFailing: 0, open: 1, halfOpen: 0, longestOpen: [{ key: 'ep_a', openForMs: 3000 }],
    }],
    ['should forget an endpoint after a success', (b) => (failures(b, 'ep_a', 3, 0), b.allow('ep_a', 1000), b.record('ep_a', true, 1100)), 2000, 5, { closedFailing: 0, open: 0, halfOpen: 0, longestOpen: [] }],
  ])('%s', (_name, setup, now, topN, expected) => {
    const breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 1000 });
    setup(breaker);
    expect(breaker.summary(now, topN)).toEqual(expected);
  });
});

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

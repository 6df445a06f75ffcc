import { CircuitBreaker } from './circuit-breaker';

type Step =
  | ['allow', number, boolean]
  | ['record', number, boolean]
  | ['allowNoProbe', number, boolean]
  | ['timeout', number]
  /** A call while `n` others to the same key are in flight. */
  | ['allowBeside', number, number, boolean];

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
    ['should pass calls beside others in flight after plain failures', [['record', 0, false], ['allowBeside', 1, 9, true]]],
    ['should allow one call at a time after a timeout', [['timeout', 0], ['allowBeside', 1, 9, false], ['allowBeside', 2, 1, false], ['allowBeside', 3, 0, true]]],
    ['should keep one call at a time after a timeout followed by plain failures', [['timeout', 0], ['record', 1, false], ['allowBeside', 2, 1, false]]],
    ['should allow calls side by side again after a success', [['timeout', 0], ['record', 1, true], ['allowBeside', 2, 9, true]]],
    ['should open when a wave of timeouts reaches the threshold', [['timeout', 0], ['timeout', 0], ['timeout', 0], ['allowBeside', 1, 0, false]]],
  ])('%s', (_name, steps) => {
    const breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 1000 });
    for (const step of steps) {
      if (step[0] === 'record') breaker.record('ep_1', step[2], step[1]);
      else if (step[0] === 'timeout') breaker.record('ep_1', false, step[1], true);
      else if (step[0] === 'allowBeside') expect([...step.slice(0, 3), breaker.allow('ep_1', step[1], { mayProbe: true, inFlight: step[2] })]).toEqual(step);
      else expect([step[0], step[1], breaker.allow('ep_1', step[1], { mayProbe: step[0] === 'allow', inFlight: 0 })]).toEqual(step);
    }
    expect(breaker.allow('ep_other', 0)).toBe(true);
  });
});

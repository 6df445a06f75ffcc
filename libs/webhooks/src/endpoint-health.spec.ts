import { AttemptSignal, disableDecision, EndpointHealthState, summariseHealth } from './endpoint-health';

const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 0, 0, s));
const call = (endpointId: string, s: number, succeeded: boolean, extra: Partial<AttemptSignal> = {}): AttemptSignal => ({
  organizationId: 'org_1',
  endpointId,
  startedAt: at(s),
  succeeded,
  gone: false,
  operational: false,
  ...extra,
});

describe('summariseHealth', () => {
  it.each<[string, AttemptSignal[], Array<{ endpointId: string; lastSuccessAt: Date | null; firstFailureAt: Date | null; gone: boolean; notify: boolean }>]>([
    ['only successes', [call('a', 1, true), call('a', 3, true)], [{ endpointId: 'a', lastSuccessAt: at(3), firstFailureAt: null, gone: false, notify: false }]],
    ['only failures: the first one', [call('a', 5, false), call('a', 2, false)], [{ endpointId: 'a', lastSuccessAt: null, firstFailureAt: at(2), gone: false, notify: true }]],
    ['a failure before a success is forgiven', [call('a', 1, false), call('a', 2, true)], [{ endpointId: 'a', lastSuccessAt: at(2), firstFailureAt: null, gone: false, notify: false }]],
    ['failures after the last success count from the first of them', [call('a', 1, true), call('a', 4, false), call('a', 3, false)], [{ endpointId: 'a', lastSuccessAt: at(1), firstFailureAt: at(3), gone: false, notify: true }]],
    ['410 Gone', [call('a', 1, false, { gone: true })], [{ endpointId: 'a', lastSuccessAt: null, firstFailureAt: at(1), gone: true, notify: true }]],
    ['410 Gone on an operational delivery raises nothing', [call('a', 1, false, { gone: true, operational: true })], [{ endpointId: 'a', lastSuccessAt: null, firstFailureAt: at(1), gone: true, notify: false }]],
    ['only operational failures raise nothing', [call('a', 1, false, { operational: true })], [{ endpointId: 'a', lastSuccessAt: null, firstFailureAt: at(1), gone: false, notify: false }]],
    [
      'two endpoints apart',
      [call('a', 1, true), call('b', 2, false)],
      [
        { endpointId: 'a', lastSuccessAt: at(1), firstFailureAt: null, gone: false, notify: false },
        { endpointId: 'b', lastSuccessAt: null, firstFailureAt: at(2), gone: false, notify: true },
      ],
    ],
  ])('should summarise %s', (_name, signals, expected) => {
    expect(summariseHealth(signals)).toEqual(expected.map((e) => ({ organizationId: 'org_1', ...e })));
  });
});

describe('disableDecision', () => {
  const NOW = at(1000).getTime();
  const base: EndpointHealthState = { status: 'enabled', failingSince: null, gone: false, failedInBatch: false };
  it.each<[string, EndpointHealthState, ReturnType<typeof disableDecision>]>([
    ['a healthy endpoint', base, null],
    ['410 Gone', { ...base, gone: true, failedInBatch: true }, 'gone'],
    ['410 Gone on an endpoint already disabled', { ...base, status: 'disabled', gone: true }, null],
    ['failing for exactly the limit', { ...base, failingSince: at(900), failedInBatch: true }, 'failing'],
    ['failing for longer than the limit', { ...base, failingSince: at(0), failedInBatch: true }, 'failing'],
    ['failing for less than the limit', { ...base, failingSince: at(901), failedInBatch: true }, null],
    ['failing long ago but this batch succeeded (silence or success never disables)', { ...base, failingSince: at(0), failedInBatch: false }, null],
    ['failing for long on an endpoint disabled by hand', { ...base, status: 'disabled', failingSince: at(0), failedInBatch: true }, null],
  ])('should decide %s', (_name, state, expected) => {
    expect(disableDecision(state, NOW, 100)).toBe(expected);
  });
});

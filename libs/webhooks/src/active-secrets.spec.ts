import { activeSecrets } from './active-secrets';

const now = new Date('2026-11-28T12:00:00Z');

describe('activeSecrets', () => {
  it.each<[string, string | null, Date | null, string[]]>([
    ['no rotation yet', null, null, ['whsec_new']],
    ['inside the overlap', 'whsec_old', new Date('2026-11-28T12:00:01Z'), ['whsec_new', 'whsec_old']],
    ['at the end of the overlap', 'whsec_old', now, ['whsec_new']],
    ['after the overlap', 'whsec_old', new Date('2026-11-28T11:00:00Z'), ['whsec_new']],
  ])('should sign with the right secrets %s', (_name, previousSecret, previousSecretExpiresAt, expected) => {
    expect(activeSecrets({ secret: 'whsec_new', previousSecret, previousSecretExpiresAt }, now)).toEqual(expected);
  });
});

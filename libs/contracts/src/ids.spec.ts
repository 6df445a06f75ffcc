import { deliveryIdFor, newId } from './ids';

describe('ids', () => {
  it('should prefix ids and sort them by creation time', () => {
    const ids = Array.from({ length: 50 }, () => newId('ep'));
    expect(ids.every((id) => /^ep_[0-9a-z]{26}$/.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
  });

  type Triple = [string, string, string];
  it.each<[Triple, Triple, boolean]>([
    [['org_a', 'evt_1', 'ep_1'], ['org_a', 'evt_1', 'ep_1'], true],
    [['org_a', 'evt_1', 'ep_1'], ['org_a', 'evt_1', 'ep_2'], false],
    [['org_a', 'evt_1', 'ep_1'], ['org_b', 'evt_1', 'ep_1'], false],
    [['org_a', 'evt_1x', 'ep_1'], ['org_a', 'evt_1', 'xep_1'], false],
  ])('should derive the delivery id from (org, event, endpoint): %j vs %j equal=%s', (a, b, equal) => {
    expect(deliveryIdFor(...a) === deliveryIdFor(...b)).toBe(equal);
    expect(deliveryIdFor(...a)).toMatch(/^del_[0-9a-f]{32}$/);
  });
});

import { isInternalTopic, sameTopics, selectDomainTopics } from './domain-topics';

const DEFAULT_PATTERN = /^(order|customer|product)\.[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;
const existing = [
  'order.new',
  'order.updated',
  'product.created',
  'product.archived',
  'customer.created',
  'invoice.paid',
  'webhooks.deliveries',
  'webhooks.quarantine',
  '__consumer_offsets',
  '__transaction_state',
];

describe('selectDomainTopics', () => {
  it.each<[string, readonly string[], RegExp | null, string[]]>([
    ['only listed topics when there is no pattern', ['order.new', 'invoice.paid'], null, ['invoice.paid', 'order.new']],
    ['listed topics that do not exist yet left out', ['order.new', 'order.cancelled'], null, ['order.new']],
    [
      'new product.* topics by the default pattern',
      [],
      DEFAULT_PATTERN,
      ['customer.created', 'order.new', 'order.updated', 'product.archived', 'product.created'],
    ],
    ['the union of list and pattern, without repeats', ['invoice.paid', 'order.new'], /^order\./, ['invoice.paid', 'order.new', 'order.updated']],
    ['no internal topic even when a pattern matches everything', [], /.*/, ['customer.created', 'invoice.paid', 'order.new', 'order.updated', 'product.archived', 'product.created']],
    ['no internal topic even when listed', ['webhooks.deliveries', '__consumer_offsets', 'order.new'], null, ['order.new']],
  ])('should select %s', (_name, listed, pattern, expected) => {
    expect(selectDomainTopics(existing, listed, pattern)).toEqual(expected);
  });
});

describe('isInternalTopic', () => {
  it.each([
    ['webhooks.deliveries.retry.10s', true],
    ['webhooks.endpoint-changes', true],
    ['__transaction_state', true],
    ['order.new', false],
    ['webhooksorder.new', false],
  ])('should classify %s as internal=%s', (topic, internal) => {
    expect(isInternalTopic(topic)).toBe(internal);
  });
});

describe('sameTopics', () => {
  it('should compare sorted selections element by element', () => {
    expect(sameTopics(['a.b', 'c.d'], ['a.b', 'c.d'])).toBe(true);
    expect(sameTopics(['a.b'], ['a.b', 'c.d'])).toBe(false);
    expect(sameTopics(['a.b', 'c.e'], ['a.b', 'c.d'])).toBe(false);
  });
});

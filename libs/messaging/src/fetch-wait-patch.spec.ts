import { assertFetchWaitReadPerFetch, kafkajsConsumerGroupFetchSource } from './fetch-wait-patch';

describe('the fetch-wait patch of kafkajs (decision 0027)', () => {
  it('should find the installed kafkajs patched, and refuse a consumer-group fetch that passes the wait on as it is', () => {
    const installed = kafkajsConsumerGroupFetchSource();
    // kafkajs 2.2.4's published fetch: the wait goes to the broker unread.
    const unpatched = installed.replace(/const maxWaitTime = typeof this\.maxWaitTime === 'function' \? this\.maxWaitTime\(\) : this\.maxWaitTime/, 'const maxWaitTime = this.maxWaitTime');
    expect(unpatched).not.toBe(installed);
    expect(() => assertFetchWaitReadPerFetch(unpatched)).toThrow(/kafkajs is not patched.*npm install/);
    expect(() => assertFetchWaitReadPerFetch()).not.toThrow();
  });
});

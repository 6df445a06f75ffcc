import { ConfigError, loadConfig } from '../load-config';
import { FanoutConfig } from './fanout';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db' };

describe('FanoutConfig', () => {
  it('should apply defaults and read the topic list and pattern when they are absent', () => {
    const config = loadConfig(FanoutConfig, base);
    expect(config).toMatchObject({ PORT: 3001, FANOUT_GROUP_ID: 'sourcehub-webhooks-fanout', FANOUT_TOPIC_REFRESH_MS: 30_000 });
    expect(config.fanoutTopics).toEqual([]);
    expect(config.fanoutTopicPattern?.test('order.created')).toBe(true);
  });

  it('should read a comma-separated topic list', () => {
    expect(loadConfig(FanoutConfig, { ...base, FANOUT_TOPICS: 'order.new,customer.new' }).fanoutTopics).toEqual(['order.new', 'customer.new']);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['a topic list with a space in it', { FANOUT_TOPICS: 'order.new, customer.new' }, /FANOUT_TOPICS is invalid/],
    ['a topic pattern that does not compile', { FANOUT_TOPIC_PATTERN: '^(order' }, /FANOUT_TOPIC_PATTERN is invalid \(FANOUT_TOPIC_PATTERN must be a valid regular expression/],
    ['a topic refresh below 500 ms', { FANOUT_TOPIC_REFRESH_MS: '100' }, /FANOUT_TOPIC_REFRESH_MS is invalid/],
    ['a session timeout below 6 s', { FANOUT_SESSION_TIMEOUT_MS: '1000' }, /FANOUT_SESSION_TIMEOUT_MS is invalid/],
    ['a session timeout above 300 s', { FANOUT_SESSION_TIMEOUT_MS: '600000' }, /FANOUT_SESSION_TIMEOUT_MS is invalid/],
    ['a fetch below 16 KiB', { FANOUT_MAX_BYTES_PER_FETCH: '1024' }, /FANOUT_MAX_BYTES_PER_FETCH is invalid/],
    ['a word as the cache TTL', { FANOUT_ENDPOINT_CACHE_TTL_MS: 'a minute' }, /FANOUT_ENDPOINT_CACHE_TTL_MS is invalid/],
    ['a cache TTL below 1 s', { FANOUT_ENDPOINT_CACHE_TTL_MS: '10' }, /FANOUT_ENDPOINT_CACHE_TTL_MS is invalid/],
  ])('should refuse %s and name the setting', (_name, env, message) => {
    expect(() => loadConfig(FanoutConfig, { ...base, ...env })).toThrow(ConfigError);
    expect(() => loadConfig(FanoutConfig, { ...base, ...env })).toThrow(message);
  });
});

import { ConfigError, loadConfig } from './load-config';
import { DeliveryConfig, SubscriptionsConfig } from './schemas';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db' };

describe('loadConfig', () => {
  it('should apply defaults when optional settings are absent', () => {
    const config = loadConfig(DeliveryConfig, base);
    expect(config).toMatchObject({ PORT: 3002, DELIVERY_TIMEOUT_MS: 5000, RETRY_SCHEDULE_SECONDS: '10,100,1000,10000' });
    expect(config.kafkaBrokers).toEqual(['127.0.0.1:9092']);
  });

  it('should convert numbers and booleans from strings', () => {
    const config = loadConfig(DeliveryConfig, { ...base, PORT: '4000', DELIVERY_TIMEOUT_MS: '250', WEBHOOK_ALLOW_HTTP_IN_LIVE: 'true' });
    expect(config).toMatchObject({ PORT: 4000, DELIVERY_TIMEOUT_MS: 250, WEBHOOK_ALLOW_HTTP_IN_LIVE: true });
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['a missing KAFKA_BROKERS', { DATABASE_URL: base.DATABASE_URL }, /KAFKA_BROKERS is required/],
    ['a missing DATABASE_URL', { KAFKA_BROKERS: base.KAFKA_BROKERS }, /DATABASE_URL is required/],
    ['a malformed DATABASE_URL', { ...base, DATABASE_URL: 'mysql://x' }, /DATABASE_URL is invalid/],
    ['a non-numeric PORT', { ...base, PORT: 'eighty' }, /PORT is invalid/],
    ['a timeout below 100 ms', { ...base, DELIVERY_TIMEOUT_MS: '5' }, /DELIVERY_TIMEOUT_MS is invalid/],
    ['a retry schedule with a word in it', { ...base, RETRY_SCHEDULE_SECONDS: '10,soon' }, /RETRY_SCHEDULE_SECONDS is invalid \(RETRY_SCHEDULE_SECONDS: "soon" is not a positive number of seconds/],
    ['a private network that is no CIDR', { ...base, WEBHOOK_ALLOWED_PRIVATE_NETWORKS: '10.0.0.0/8,10.0.0' }, /WEBHOOK_ALLOWED_PRIVATE_NETWORKS is invalid \(WEBHOOK_ALLOWED_PRIVATE_NETWORKS: "10.0.0" is not a CIDR/],
    ['a DNS server given by name', { ...base, DNS_SERVERS: '127.0.0.1,dns.example.com' }, /DNS_SERVERS is invalid \(DNS_SERVERS must be a comma-separated list of DNS server addresses/],
  ])('should refuse %s and name the setting', (_name, env, message) => {
    expect(() => loadConfig(DeliveryConfig, env)).toThrow(ConfigError);
    expect(() => loadConfig(DeliveryConfig, env)).toThrow(message);
  });

  it('should require PLATFORM_ADMIN_TOKEN for the subscriptions service', () => {
    expect(() => loadConfig(SubscriptionsConfig, base)).toThrow(/PLATFORM_ADMIN_TOKEN is required/);
  });

  describe('the admin API hardening settings', () => {
    const subscriptions = { ...base, PLATFORM_ADMIN_TOKEN: 'a-platform-token-of-16+' };

    it('should default to 1200 requests per key and 60 failed authentications per address per 60 s, no proxy trusted, no HSTS', () => {
      expect(loadConfig(SubscriptionsConfig, subscriptions)).toMatchObject({
        API_RATE_LIMIT_PER_KEY: 1200,
        API_RATE_LIMIT_FAILED_AUTH_PER_IP: 60,
        API_RATE_LIMIT_WINDOW_SECONDS: 60,
        trustProxy: false,
        HSTS_MAX_AGE_SECONDS: 0,
      });
    });

    it.each<[string, boolean | number | string]>([
      ['', false],
      ['false', false],
      ['true', true],
      ['2', 2],
      ['loopback', 'loopback'],
      ['10.0.0.0/8, 192.168.1.1,fd00::/8', '10.0.0.0/8, 192.168.1.1,fd00::/8'],
    ])('should read TRUST_PROXY=%j as Express trust proxy %j', (value, expected) => {
      expect(loadConfig(SubscriptionsConfig, { ...subscriptions, TRUST_PROXY: value }).trustProxy).toEqual(expected);
    });

    it.each<[string, Record<string, string>, RegExp]>([
      ['a negative per-key limit', { API_RATE_LIMIT_PER_KEY: '-1' }, /API_RATE_LIMIT_PER_KEY is invalid/],
      ['a word as the failed-auth limit', { API_RATE_LIMIT_FAILED_AUTH_PER_IP: 'many' }, /API_RATE_LIMIT_FAILED_AUTH_PER_IP is invalid/],
      ['a zero window', { API_RATE_LIMIT_WINDOW_SECONDS: '0' }, /API_RATE_LIMIT_WINDOW_SECONDS is invalid/],
      ['a proxy that is not an address', { TRUST_PROXY: 'my-proxy.local' }, /TRUST_PROXY is invalid/],
      ['a negative HSTS age', { HSTS_MAX_AGE_SECONDS: '-5' }, /HSTS_MAX_AGE_SECONDS is invalid/],
    ])('should refuse %s and name the setting', (_name, env, message) => {
      expect(() => loadConfig(SubscriptionsConfig, { ...subscriptions, ...env })).toThrow(message);
    });
  });
});

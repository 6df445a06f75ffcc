import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { api, eventually, PLATFORM_ADMIN_TOKEN, query, resetWorld, stableGroupAssignments, testEnv, testProducer } from '../support/stack';
import { ServiceProcess } from '../support/service-process';
import { TestReceiver } from '../support/test-receiver';
import { freePort } from '../fanout/fanout-kit';
import { exportedNames, metricNames } from './promql-names';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- scripts/ensure-promtool is plain CommonJS with no types to import
const { ensurePromtool } = require('../../scripts/ensure-promtool') as { ensurePromtool: () => string };

const DIR = path.resolve(__dirname, '..', '..', 'deploy', 'observability');
const promtool = (...args: string[]) => execFileSync(ensurePromtool(), args, { cwd: DIR, encoding: 'utf8', stdio: 'pipe' });

interface Dashboard {
  panels: Array<{ title: string; type: string; targets?: Array<{ expr: string }> }>;
}
const dashboard = JSON.parse(readFileSync(path.join(DIR, 'grafana-dashboard.json'), 'utf8')) as Dashboard;
const dashboardExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `dashboard panel "${p.title}"`, expr: t.expr })));
const alerts = parse(readFileSync(path.join(DIR, 'alerts.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
const alertExprs = alerts.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })));

/** One sample line per series of `name` in a scrape: `name{labels} value`. */
const samples = (text: string, name: string): string[] => text.split('\n').filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
const scrape = async (service: ServiceProcess): Promise<string> => (await fetch(`${service.url}/metrics`)).text();

describe('deploy/observability', () => {
  it('should pass promtool check config (with the alert rules) and promtool test rules', () => {
    expect(promtool('check', 'config', 'prometheus.yml')).toContain('SUCCESS');
    expect(promtool('check', 'rules', 'alerts.yml')).toContain('SUCCESS');
    expect(promtool('test', 'rules', 'alerts.test.yml')).toContain('SUCCESS');
  });

  it('should cover every alert the operators asked for', () => {
    const names = alertExprs.map((a) => a.where);
    for (const alert of ['WebhooksServiceDown', 'WebhooksDeliveriesFailing', 'WebhooksDeadLettersRising', 'WebhooksConsumerLagGrowing', 'WebhooksBreakerOpenLong']) {
      expect(names).toContain(`alert ${alert}`);
    }
  });
});

describe('the metrics the services export (built services as processes)', () => {
  let receiver: TestReceiver;
  let failing: TestReceiver;
  const services: ServiceProcess[] = [];
  let subscriptions: ServiceProcess;
  let fanout: ServiceProcess;
  let deliveries: ServiceProcess[];
  let deliveryGroup: string;

  beforeAll(async () => {
    await resetWorld();
    receiver = await new TestReceiver().start();
    failing = await new TestReceiver((_n, _req, res) => void res.writeHead(500).end('down')).start();
    const env = testEnv({
      LOG_LEVEL: 'warn',
      RETRY_SCHEDULE_SECONDS: '1',
      DELIVERY_BREAKER_FAILURES: '2',
      DELIVERY_BREAKER_OPEN_MS: '60000',
      API_RATE_LIMIT_FAILED_AUTH_PER_IP: '3',
    });
    deliveryGroup = env.DELIVERY_GROUP_ID as string;
    subscriptions = new ServiceProcess('subscriptions', await freePort(), { ...env, INSTANCE_ID: `${env.INSTANCE_ID}-s` });
    fanout = new ServiceProcess('fanout', await freePort(), { ...env, INSTANCE_ID: `${env.INSTANCE_ID}-f` });
    deliveries = [
      new ServiceProcess('delivery', await freePort(), { ...env, INSTANCE_ID: `${env.INSTANCE_ID}-d0` }),
      new ServiceProcess('delivery', await freePort(), { ...env, INSTANCE_ID: `${env.INSTANCE_ID}-d1` }),
    ];
    services.push(subscriptions, fanout, ...deliveries);
    await subscriptions.start();
    await Promise.all([fanout, ...deliveries].map((s) => s.start()));
  }, 240_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await receiver?.stop();
    await failing?.stop();
  });

  it('should name every metric with the webhooks_ prefix, Node defaults included', async () => {
    for (const service of services) {
      const names = [...exportedNames(await scrape(service))];
      expect(names.length).toBeGreaterThan(20);
      expect({ service: service.name, unprefixed: names.filter((n) => !n.startsWith('webhooks_')) }).toEqual({ service: service.name, unprefixed: [] });
    }
  });

  it('should export every metric the dashboard and the alert rules query', async () => {
    const exported = new Set<string>(['up']); // written by Prometheus itself for every scrape target
    for (const service of services) for (const name of exportedNames(await scrape(service))) exported.add(name);
    const used = [...dashboardExprs, ...alertExprs].flatMap(({ where, expr }) => metricNames(expr).map((name) => ({ where, name })));
    expect(used.length).toBeGreaterThan(40);
    expect(used.filter((u) => !exported.has(u.name))).toEqual([]);
  });

  it('should count admin requests by route template and status, and the 429s by limit', async () => {
    for (let i = 0; i < 5; i++) await api(subscriptions.url, 'GET', '/v1/endpoints', { token: 'shk_not-a-key' });
    await api(subscriptions.url, 'GET', '/v1/no-such-route/123');
    const text = await scrape(subscriptions);
    expect(samples(text, 'webhooks_http_requests_total')).toEqual(
      expect.arrayContaining([
        'webhooks_http_requests_total{method="GET",route="/v1/endpoints",status="401"} 3',
        'webhooks_http_requests_total{method="GET",route="/v1/endpoints",status="429"} 2',
        'webhooks_http_requests_total{method="GET",route="unmatched",status="404"} 1',
      ]),
    );
    expect(samples(text, 'webhooks_http_rate_limited_total')).toEqual(['webhooks_http_rate_limited_total{limit="failed_auth"} 2']);
    expect(samples(text, 'webhooks_http_request_duration_seconds_count')).toEqual(
      expect.arrayContaining(['webhooks_http_request_duration_seconds_count{method="GET",route="/v1/endpoints",status_class="4xx"} 5']),
    );
    // Ids never become label values: one series per route template, whatever the path.
    expect(text).not.toContain('no-such-route');
  });

  it('should report each group lag from exactly one instance (the group leader), never from both', async () => {
    const reporters = async (name: string) => {
      const counts = await Promise.all(deliveries.map(async (d) => samples(await scrape(d), name).length));
      return counts.filter((c) => c > 0).length;
    };
    await eventually(async () => ((await reporters('webhooks_delivery_consumer_lag_messages')) === 1 ? true : undefined), 40_000, 'one delivery instance reporting the lag');
    await eventually(async () => ((await reporters('webhooks_delivery_retry_backlog_messages')) === 1 ? true : undefined), 40_000, 'one delivery instance reporting the retry backlog');
    await eventually(async () => (samples(await scrape(fanout), 'webhooks_fanout_consumer_lag_messages').length === 1 ? true : undefined), 40_000, 'the fan-out reporting its lag');
    // Still one after a few more refreshes (10 s apart).
    await new Promise((r) => setTimeout(r, 11_000));
    expect(await reporters('webhooks_delivery_consumer_lag_messages')).toBe(1);
  }, 90_000);

  it('should tell first-attempt latency from retries, count dead letters, and show an open breaker by endpoint', async () => {
    // One instance from here on: breakers are per instance, and the two attempts must meet the same one.
    await deliveries[1].stop();
    const delivery = deliveries[0];
    // The events below must not meet the rebalance: CI once saw the healthy delivery made twice when
    // the instance left rejoined while its call was out (before it kept its partitions across rebalances).
    await stableGroupAssignments(deliveryGroup, 1);
    // Once the instance left has rejoined the group it leads it, and reports both lags.
    await eventually(
      async () => {
        const text = await scrape(delivery);
        return samples(text, 'webhooks_delivery_consumer_lag_messages').length > 0 && samples(text, 'webhooks_delivery_retry_backlog_messages').length > 0 ? true : undefined;
      },
      60_000,
      'the remaining delivery instance leading both groups',
    );
    await query('TRUNCATE api_rate_limits'); // the failed authentications above used up this address's budget
    const org = (await api<{ id: string; apiKey: string }>(subscriptions.url, 'POST', '/v1/organizations', { token: PLATFORM_ADMIN_TOKEN, body: { name: 'metrics' } })).body;
    const healthy = await api<{ id: string }>(subscriptions.url, 'POST', '/v1/endpoints', { token: org.apiKey, body: { url: `${receiver.url}/ok`, mode: 'live', eventTypes: ['order.new'] } });
    const broken = await api<{ id: string }>(subscriptions.url, 'POST', '/v1/endpoints', { token: org.apiKey, body: { url: `${failing.url}/down`, mode: 'live', eventTypes: ['customer.created'] } });
    expect([healthy.status, broken.status]).toEqual([201, 201]);
    const producer = await testProducer();
    try {
      for (const type of ['order.new', 'customer.created']) {
        const event = { id: `evt_${type}_${Date.now()}`, type, organizationId: org.id, mode: 'live', occurredAt: new Date().toISOString(), data: {} };
        await producer.send({ topic: type, messages: [{ key: org.id, value: JSON.stringify(event) }], acks: -1 });
      }
    } finally {
      await producer.disconnect();
    }
    // RETRY_SCHEDULE_SECONDS=1: two attempts, both failing, open the breaker (DELIVERY_BREAKER_FAILURES=2) and dead-letter the delivery.
    await eventually(async () => ((await delivery.metric('webhooks_delivery_dead_letters_total', 'reason="exhausted"')) === 1 ? true : undefined), 60_000, 'one dead letter');
    expect(await delivery.metric('webhooks_delivery_latency_seconds_count', 'attempt="first"')).toBe(1);
    expect(await delivery.metric('webhooks_delivery_latency_seconds_count', 'attempt="retry"')).toBe(0);
    expect(await delivery.metric('webhooks_delivery_attempt_duration_seconds_count', 'attempt="first",outcome="http_error"')).toBe(1);
    expect(await delivery.metric('webhooks_delivery_attempt_duration_seconds_count', 'attempt="retry",outcome="http_error"')).toBe(1);
    // The latency budget counts first deliveries only: two events, two first calls, one retry not counted.
    for (const stage of ['occurred_to_published', 'fanout_read_to_delivery_read', 'delivery_read_to_post', 'post_to_answer']) {
      expect([stage, await delivery.metric('webhooks_pipeline_stage_seconds_count', `stage="${stage}"`)]).toEqual([stage, 2]);
    }
    for (const stage of ['published_to_fanout_read', 'fanout_read_to_committed']) {
      expect([stage, await fanout.metric('webhooks_pipeline_stage_seconds_count', `stage="${stage}"`)]).toEqual([stage, 2]);
    }
    const text = await scrape(delivery);
    expect(samples(text, 'webhooks_delivery_breaker_open_seconds')).toEqual([expect.stringMatching(new RegExp(`^webhooks_delivery_breaker_open_seconds\\{endpoint_id="${broken.body.id}"\\} [0-9.]+$`))]);
    expect(samples(text, 'webhooks_delivery_breakers').sort()).toEqual([
      'webhooks_delivery_breakers{state="closed_failing"} 0',
      'webhooks_delivery_breakers{state="half_open"} 0',
      'webhooks_delivery_breakers{state="open"} 1',
    ]);
  }, 180_000);
});

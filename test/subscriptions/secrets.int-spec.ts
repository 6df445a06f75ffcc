import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Producer } from 'kafkajs';
import { api, eventually, PLATFORM_ADMIN_TOKEN, query, resetWorld, testEnv, testProducer } from '../support/stack';
import { ServiceName, ServiceProcess } from '../support/service-process';
import { TestReceiver } from '../support/test-receiver';
import { freePort } from '../fanout/fanout-kit';

const token = (prefix: string) => `${prefix}${randomBytes(12).toString('hex')}`;

// Secret values a request body carries: none may reach a log line, at any level.
const RECEIVER_TOKEN = token('rcv-bearer-');
const RECEIVER_TOKEN_AFTER_PATCH = token('rcv-bearer-patched-');
const METADATA_SECRET = token('meta-vault-');
const EVENT_SECRET = token('card-token-');
const GUESSED_KEY = `shk_${randomBytes(32).toString('base64url')}`;

/**
 * Every flow that handles a secret, run through the three built services as separate processes
 * logging at the most verbose level, whose logs are then searched for every secret value.
 */
describe('secrets in storage and in the service logs', () => {
  const receiver = new TestReceiver((n, _req, res) => void res.writeHead(n === 0 ? 500 : 200).end(n === 0 ? 'try again' : 'ok'));
  const logDir = mkdtempSync(join(tmpdir(), 'secrets-logs-'));
  const services: ServiceProcess[] = [];
  let producer: Producer;
  let apiUrl: string;
  const secrets: Record<string, string> = { 'the platform token': PLATFORM_ADMIN_TOKEN, 'a guessed key': GUESSED_KEY, 'a custom header value': RECEIVER_TOKEN, 'a patched header value': RECEIVER_TOKEN_AFTER_PATCH, 'a metadata value': METADATA_SECRET, "an event's data": EVENT_SECRET };

  const call = async <T>(method: string, path: string, apiKey: string, body?: unknown, expected = [200, 201, 202, 204]): Promise<T> => {
    const res = await api<T>(apiUrl, method, path, { token: apiKey, body });
    if (!expected.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  };

  beforeAll(async () => {
    await resetWorld();
    await receiver.start();
    const env = { ...process.env, ...testEnv({ LOG_LEVEL: 'trace', RETRY_SCHEDULE_SECONDS: '1' }) };
    for (const name of ['subscriptions', 'fanout', 'delivery'] as ServiceName[]) {
      services.push(await new ServiceProcess(name, await freePort(), env, join(logDir, `${name}.log`)).start());
    }
    apiUrl = services[0].url;
    producer = await testProducer();

    const org = await call<{ id: string; apiKey: string }>('POST', '/v1/organizations', PLATFORM_ADMIN_TOKEN, { name: 'Keeper of secrets' });
    secrets['the first API key'] = org.apiKey;
    const second = await call<{ apiKey: string }>('POST', '/v1/api-keys', org.apiKey, { name: 'second' });
    secrets['a created API key'] = second.apiKey;
    await api(apiUrl, 'GET', '/v1/endpoints', { token: GUESSED_KEY });

    const endpoint = await call<{ id: string; secret: string }>('POST', '/v1/endpoints', second.apiKey, {
      url: receiver.url,
      mode: 'live',
      eventTypes: ['order.new'],
      headers: { authorization: `Bearer ${RECEIVER_TOKEN}` },
      metadata: { vault: METADATA_SECRET },
    });
    secrets['the first endpoint secret'] = endpoint.secret;
    const rotated = await call<{ secret: string }>('POST', `/v1/endpoints/${endpoint.id}/rotate-secret`, org.apiKey);
    secrets['the rotated endpoint secret'] = rotated.secret;
    await call('GET', `/v1/endpoints/${endpoint.id}/secret`, org.apiKey);
    await call('PATCH', `/v1/endpoints/${endpoint.id}`, org.apiKey, { headers: { authorization: `Bearer ${RECEIVER_TOKEN_AFTER_PATCH}` } });

    // A test event (first answered 500, so retried), a domain event through the fan-out, a resend.
    const sent = await call<{ deliveryId: string }>('POST', `/v1/endpoints/${endpoint.id}/test`, org.apiKey);
    const event = { id: `evt_${Date.now()}`, type: 'order.new', organizationId: org.id, mode: 'live', occurredAt: new Date().toISOString(), data: { cardToken: EVENT_SECRET } };
    await producer.send({ topic: 'order.new', messages: [{ key: org.id, value: JSON.stringify(event) }] });
    await receiver.waitFor(3, 60_000);
    await call('POST', `/v1/deliveries/${sent.deliveryId}/resend`, org.apiKey);
    await receiver.waitFor(4, 30_000);
    await eventually(async () => ((await query('SELECT 1 FROM attempts WHERE organization_id = $1', [org.id])).length >= 4 ? true : undefined), 30_000, 'four attempts recorded');

    // Stopped, so every line is flushed.
    await producer.disconnect();
    for (const service of services.reverse()) await service.stop();
  }, 180_000);

  afterAll(async () => {
    await producer?.disconnect();
    for (const service of services) await service.stop();
    await receiver.stop();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('should have delivered what the flows sent, so the logs cover real work', () => {
    const bodies = receiver.requests.map((r) => r.body).join('\n');
    expect(bodies).toContain(EVENT_SECRET);
    expect(receiver.requests.map((r) => r.headers.authorization)).toContain(`Bearer ${RECEIVER_TOKEN_AFTER_PATCH}`);
    const logs = ['subscriptions', 'fanout', 'delivery'].map((name) => readFileSync(join(logDir, `${name}.log`), 'utf8'));
    for (const log of logs) expect(log).toMatch(/"level":"(trace|debug|info)"/);
    // The admin API logs each request at debug: the flows above are in its log.
    for (const route of ['POST /v1/organizations', 'POST /v1/api-keys', 'POST /v1/endpoints', 'POST /v1/endpoints/ep_\\w+/rotate-secret', 'GET /v1/endpoints/ep_\\w+/secret', 'PATCH /v1/endpoints/ep_\\w+', 'POST /v1/endpoints/ep_\\w+/test', 'POST /v1/deliveries/del_\\w+/resend']) {
      const [method, path] = route.split(' ');
      expect(logs[0]).toMatch(new RegExp(`"level":"debug".*"method":"${method}","path":"${path}","status":20\\d.*"msg":"admin request"`));
    }
  });

  it.each(['subscriptions', 'fanout', 'delivery'])('should keep every secret out of the %s log, at level trace', (name) => {
    const log = readFileSync(join(logDir, `${name}.log`), 'utf8');
    // An endpoint secret is also searched without its whsec_ prefix: the key material is the secret.
    const needles = Object.entries(secrets).flatMap(([what, value]) => [[what, value], ...(value.startsWith('whsec_') ? [[`${what} (key material)`, value.slice(6)]] : [])]);

    expect(needles.filter(([, value]) => log.includes(value)).map(([what]) => what)).toEqual([]);
  });

  it('should store API keys only as SHA-256 hashes: no table holds a key or the platform token', async () => {
    const tables = await query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
    const keys = [secrets['the first API key'], secrets['a created API key'], PLATFORM_ADMIN_TOKEN, GUESSED_KEY];
    const found: string[] = [];
    for (const { table_name: table } of tables) {
      const rows = await query<{ row: string }>(`SELECT t::text AS row FROM "${table}" t`);
      for (const key of keys) if (rows.some((r) => r.row.includes(key))) found.push(`${table} holds ${key.slice(0, 8)}...`);
    }

    expect(found).toEqual([]);
    const hashes = (await query<{ key_hash: string }>('SELECT key_hash FROM api_keys')).map((r) => r.key_hash);
    const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
    expect(hashes).toEqual(expect.arrayContaining([sha256(secrets['the first API key']), sha256(secrets['a created API key'])]));
  });
});

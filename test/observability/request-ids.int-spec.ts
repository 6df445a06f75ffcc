import { readFileSync } from 'node:fs';
import { api, eventually, PLATFORM_ADMIN_TOKEN, resetWorld, testEnv } from '../support/stack';
import { ServiceProcess } from '../support/service-process';
import { TestReceiver } from '../support/test-receiver';
import { freePort } from '../fanout/fanout-kit';

interface LogLine {
  level: string;
  msg: string;
  requestId?: string;
  [field: string]: unknown;
}

/** The JSON lines a built service wrote to its log file (ServiceProcess keeps one per port); a line being written is skipped. */
const logLines = (service: ServiceProcess): LogLine[] =>
  readFileSync(service.logFile, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{') && l.endsWith('}'))
    .map((l) => JSON.parse(l) as LogLine);

const post = async (url: string, token: string, body: unknown, requestId?: string) =>
  fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(requestId ? { 'x-request-id': requestId } : {}) },
    body: JSON.stringify(body),
  });

// The built services at LOG_LEVEL=debug: a request id given to (or made by) the admin API is in its
// answer and on the log lines of what the request caused in the other services.
describe('request ids in logs', () => {
  const receiver = new TestReceiver();
  const services: ServiceProcess[] = [];
  let subscriptions: ServiceProcess;
  let fanout: ServiceProcess;
  let delivery: ServiceProcess;

  beforeAll(async () => {
    await resetWorld();
    await receiver.start();
    const env = testEnv({ LOG_LEVEL: 'debug' });
    subscriptions = new ServiceProcess('subscriptions', await freePort(), { ...env, INSTANCE_ID: `${env.INSTANCE_ID}-s` });
    fanout = new ServiceProcess('fanout', await freePort(), { ...env, INSTANCE_ID: `${env.INSTANCE_ID}-f` });
    delivery = new ServiceProcess('delivery', await freePort(), { ...env, INSTANCE_ID: `${env.INSTANCE_ID}-d` });
    services.push(subscriptions, fanout, delivery);
    await subscriptions.start();
    await Promise.all([fanout.start(), delivery.start()]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await receiver.stop();
  });

  it('should carry the id from an endpoint change to the notices the other services read, and from a test send to its attempt', async () => {
    const org = (await api<{ id: string; apiKey: string }>(subscriptions.url, 'POST', '/v1/organizations', { token: PLATFORM_ADMIN_TOKEN, body: { name: 'ids' } })).body;
    const created = await post(`${subscriptions.url}/v1/endpoints`, org.apiKey, { url: receiver.url, mode: 'live' }, 'create-ep-7f3a');
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe('create-ep-7f3a');
    const endpointId = ((await created.json()) as { id: string }).id;

    for (const service of [fanout, delivery]) {
      const notice = await eventually(async () => logLines(service).find((l) => l.msg === 'endpoint change notice' && l.endpointId === endpointId), 20_000, `${service.name} reading the notice`);
      expect(notice).toMatchObject({ level: 'debug', requestId: 'create-ep-7f3a', organizationId: org.id, change: 'created' });
    }
    // The access line is written when the answer has gone out, so it may land after the caller has read it.
    const access = await eventually(async () => logLines(subscriptions).find((l) => l.msg === 'admin request' && l.path === '/v1/endpoints'), 10_000, 'the access line');
    expect(access).toMatchObject({ requestId: 'create-ep-7f3a', status: 201 });

    const sent = await post(`${subscriptions.url}/v1/endpoints/${endpointId}/test`, org.apiKey, {}, 'test-send-91c2');
    expect(sent.status).toBe(202);
    const { deliveryId } = (await sent.json()) as { deliveryId: string };
    await receiver.waitFor(1);
    const attempt = await eventually(async () => logLines(delivery).find((l) => l.msg === 'delivery attempt' && l.deliveryId === deliveryId), 20_000, 'the attempt line');
    expect(attempt).toMatchObject({ level: 'debug', requestId: 'test-send-91c2', endpointId, attempt: 1, trigger: 'test', outcome: 'success', statusCode: 200, durationMs: expect.any(Number) });
  }, 60_000);

  it('should make up an id when the caller gives none (or an unusable one), and answer it', async () => {
    const none = await fetch(`${subscriptions.url}/health/live`);
    expect(none.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    const unusable = await fetch(`${subscriptions.url}/health/live`, { headers: { 'x-request-id': 'has spaces and "quotes"' } });
    expect(unusable.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
  });
});

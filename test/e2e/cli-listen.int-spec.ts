import { INestApplication } from '@nestjs/common';
import { Producer } from 'kafkajs';
import { Webhook } from 'standardwebhooks';
import { loadConfig, SubscriptionsConfig } from '@app/config';
import { createLogger } from '@app/observability';
import { createSubscriptionsApp } from '../../apps/subscriptions/src/subscriptions.app';
import { freePort } from '../fanout/fanout-kit';
import { CliProcess } from '../support/cli-process';
import { RoundRobinProxy } from '../support/round-robin-proxy';
import { api, eventually, PLATFORM_ADMIN_TOKEN, resetWorld, startStack, testEnv, testProducer } from '../support/stack';
import { ReceivedRequest, TestReceiver } from '../support/test-receiver';

interface Attempt {
  attemptNumber: number;
  startedAt: string;
  durationMs: number;
  outcome: string;
  statusCode: number | null;
}
interface DeliveryDetail {
  id: string;
  status: string;
  endpointId: string;
  attempts: Attempt[];
}

const GRACE_SECONDS = 2;
// Every line `listen` may print to stdout; the test checks each line against these.
const HEADER_LINES = [
  /^> Session ep_[0-9a-z]{26} \(a temporary test-mode endpoint; Ctrl-C ends it and deletes it\)$/,
  /^> Webhook signing secret: whsec_[A-Za-z0-9+/=]+$/,
  /^> Events: order\.new, customer\.created$/,
  /^> Ready! Forwarding test-mode events to http:\/\/127\.0\.0\.1:\d+\/webhooks$/,
];
const DELIVERY_LINE = /^(\d\d:\d\d:\d\d) {2}(\S+)\s+(evt_[0-9a-z]{26}) {2}\[(\d{3}|refused|timeout)\] {2}(\d+) ms(?: {2}\(attempt (\d+)\))?$/;
const END_LINE = /^> Session ep_[0-9a-z]{26} ended; its endpoint was deleted$/;

// SPEC §11 end to end: the built CLI as a child process, the real Kafka and PostgreSQL, fan-out and
// delivery, and TWO admin API instances behind a round-robin balancer, so the CLI's stream, its
// answers and the trigger land on different instances.
describe('sourcehub-webhooks listen / trigger', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  let second: INestApplication;
  let balancer: RoundRobinProxy;
  let producer: Producer;
  const receiver = new TestReceiver();
  let org: { id: string; apiKey: string };
  let otherOrg: { id: string; apiKey: string };
  let listener: CliProcess;
  let sessionId: string;
  let secret: string;
  let secondClosed = false;

  beforeAll(async () => {
    await resetWorld();
    await receiver.start();
    const env = testEnv({ LISTEN_SESSION_GRACE_SECONDS: String(GRACE_SECONDS), RETRY_SCHEDULE_SECONDS: '1,2' });
    stack = await startStack(env);
    second = await createSubscriptionsApp(
      loadConfig(SubscriptionsConfig, { ...env, INSTANCE_ID: `${env.INSTANCE_ID}-b` }),
      createLogger('subscriptions-b', env.LOG_LEVEL),
    );
    await second.listen(0, '127.0.0.1');
    balancer = await new RoundRobinProxy([stack.apiUrl, (await second.getUrl()).replace('[::1]', '127.0.0.1')]).start();
    producer = await testProducer();
    org = (await api<{ id: string; apiKey: string }>(stack.apiUrl, 'POST', '/v1/organizations', { token: PLATFORM_ADMIN_TOKEN, body: { name: 'Laptop Co' } })).body;
    otherOrg = (await api<{ id: string; apiKey: string }>(stack.apiUrl, 'POST', '/v1/organizations', { token: PLATFORM_ADMIN_TOKEN, body: { name: 'Other Co' } })).body;

    listener = new CliProcess(['listen', '--api', balancer.url, '--key', org.apiKey, '--forward-to', receiver.url, '--events', 'order.new,customer.created']);
    sessionId = (await listener.line(/^> Session (ep_\S+) /))[1];
    secret = (await listener.line(/^> Webhook signing secret: (\S+)$/))[1];
    await listener.line(/^> Ready! /);
  });

  afterAll(async () => {
    listener?.kill('SIGKILL');
    await producer?.disconnect();
    await balancer?.stop();
    if (!secondClosed) await second?.close();
    await stack?.stop();
    await receiver.stop();
  });

  const trigger = (args: string[]) => CliProcess.run(['trigger', ...args, '--api', balancer.url, '--key', org.apiKey]);
  const deliveryOf = async (request: ReceivedRequest) =>
    (await api<DeliveryDetail>(stack.apiUrl, 'GET', `/v1/deliveries/${String(request.headers['webhook-id'])}`, { token: org.apiKey })).body;
  const linesFor = (eventId: string) => listener.stdout.map((l) => DELIVERY_LINE.exec(l)).filter((m): m is RegExpExecArray => m !== null && m[3] === eventId);

  it('should deliver a triggered event to the local server within seconds, signed for the printed secret, and record the attempt', async () => {
    const started = Date.now();
    const triggered = await trigger(['order.new']);
    expect(triggered.code).toBe(0);
    const [said] = triggered.stdout;
    const match = /^> Triggered order\.new (evt_[0-9a-z]{26}) \(test mode\) with the built-in example data for order\.new: (\{.*\})$/.exec(said);
    expect(match).not.toBeNull();
    const eventId = match![1];

    const [request] = await receiver.waitFor(1, 10_000);
    const elapsedMs = request.receivedAt - started;
    console.log(`trigger command started -> local receiver got the event: ${elapsedMs} ms`);
    expect(elapsedMs).toBeLessThan(5_000);

    const verified = new Webhook(secret).verify(request.body, {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    }) as { id: string; type: string; mode: string; organizationId: string; data: Record<string, unknown> };
    expect(verified).toMatchObject({ id: eventId, type: 'order.new', mode: 'test', organizationId: org.id, data: JSON.parse(match![2]) });
    // The same request a public endpoint gets.
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toBe('Sourcehub-Webhooks/1.0');

    const delivery = await eventually(async () => {
      const d = await deliveryOf(request);
      return d.status === 'succeeded' ? d : undefined;
    }, 10_000, 'the attempt to be recorded');
    expect(delivery.endpointId).toBe(sessionId);
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.attempts[0]).toMatchObject({ attemptNumber: 1, outcome: 'success', statusCode: 200 });
    expect(delivery.attempts[0].durationMs).toBeGreaterThanOrEqual(0);
    expect(delivery.attempts[0].durationMs).toBeLessThan(1_000);

    const [line] = linesFor(eventId);
    expect(line[2]).toBe('order.new');
    expect(line[4]).toBe('200');
    expect(line[6]).toBeUndefined();
    // The stream and the answers went through the balancer to both instances.
    const targets = new Set(balancer.hits.map((h) => h.target));
    expect(targets.size).toBe(2);
  });

  it('should retry a local 500 per the schedule and record every attempt', async () => {
    receiver.respondWith((_n, req, res) => void res.writeHead(req.body.includes('"customer.created"') ? 500 : 200).end('local failure'));
    const before = receiver.requests.length;
    const triggered = await trigger(['customer.created', '--data', '{"customerId":"cus_42"}']);
    expect(triggered.code).toBe(0);
    expect(triggered.stdout[0]).toMatch(/^> Triggered customer\.created evt_\S+ \(test mode\) with the given data: \{"customerId":"cus_42"\}$/);

    const requests = (await receiver.waitFor(before + 3, 20_000)).slice(before);
    const gaps = [requests[1].receivedAt - requests[0].receivedAt, requests[2].receivedAt - requests[1].receivedAt];
    console.log(`local 500: attempts ${gaps.join(' ms, ')} ms apart (schedule 1 s, 2 s)`);
    expect(gaps[0]).toBeGreaterThanOrEqual(1_000);
    expect(gaps[0]).toBeLessThan(4_000);
    expect(gaps[1]).toBeGreaterThanOrEqual(2_000);
    expect(gaps[1]).toBeLessThan(6_000);
    // One delivery, retried under the same webhook-id.
    expect(new Set(requests.map((r) => r.headers['webhook-id'])).size).toBe(1);

    const delivery = await eventually(async () => {
      const d = await deliveryOf(requests[0]);
      return d.status === 'failed' ? d : undefined;
    }, 10_000, 'the delivery to fail after its last attempt');
    expect(delivery.attempts.map((a) => [a.attemptNumber, a.outcome, a.statusCode])).toEqual([
      [1, 'http_error', 500],
      [2, 'http_error', 500],
      [3, 'http_error', 500],
    ]);
    const eventId = (JSON.parse(requests[0].body) as { id: string }).id;
    await eventually(async () => (linesFor(eventId).length === 3 ? true : undefined), 5_000, 'three CLI lines');
    expect(linesFor(eventId).map((m) => [m[2], m[4], m[6]])).toEqual([
      ['customer.created', '500', undefined],
      ['customer.created', '500', '2'],
      ['customer.created', '500', '3'],
    ]);
    receiver.respondWith((_n, _req, res) => void res.writeHead(200).end('ok'));
  });

  it('should never forward a live event, nor a type the session did not ask for', async () => {
    const before = receiver.requests.length;
    const live = { id: `evt_live_${Date.now()}`, type: 'order.new', organizationId: org.id, mode: 'live', occurredAt: new Date().toISOString(), data: { orderId: 'live' } };
    await producer.send({ topic: 'order.new', messages: [{ key: org.id, value: JSON.stringify(live) }] });
    const unasked = await trigger(['product.created']);
    expect(unasked.code).toBe(0);
    // A marker after both on the same topic and key: the fan-out reads it after the live event.
    const marker = await trigger(['order.new', '--data', '{"marker":true}']);
    const markerId = /(evt_[0-9a-z]{26})/.exec(marker.stdout[0])![1];
    await eventually(async () => (receiver.requests.slice(before).some((r) => r.body.includes(markerId)) ? true : undefined), 10_000, 'the marker');
    await new Promise((r) => setTimeout(r, 1_000));
    const types = receiver.requests.slice(before).map((r) => JSON.parse(r.body) as { mode: string; type: string; id: string });
    expect(types.map((t) => [t.type, t.mode, t.id])).toEqual([['order.new', 'test', markerId]]);
  });

  it("should show another organization's key nothing of the session", async () => {
    const other = otherOrg.apiKey;
    expect((await api(balancer.url, 'GET', `/v1/endpoints/${sessionId}`, { token: other })).status).toBe(404);
    expect((await api<{ data: unknown[] }>(balancer.url, 'GET', '/v1/endpoints', { token: other })).body.data).toEqual([]);
    expect((await api(balancer.url, 'POST', `/v1/listen/sessions/${sessionId}/answers`, {
      token: other,
      body: { requestId: '5b1c3f0e-8a5e-4d4a-9a53-0f2a4f1c2b3d', outcome: 'success', statusCode: 200, durationMs: 1 },
    })).status).toBe(404);
    expect((await api(balancer.url, 'DELETE', `/v1/listen/sessions/${sessionId}`, { token: other })).status).toBe(404);
    const stream = await fetch(`${balancer.url}/v1/listen/sessions/${sessionId}/stream`, { headers: { authorization: `Bearer ${other}` } });
    expect(stream.status).toBe(404);
    await stream.body?.cancel();
    // Its own organization sees a test-mode endpoint of kind cli.
    const own = await api<{ mode: string; url: string }>(balancer.url, 'GET', `/v1/endpoints/${sessionId}`, { token: org.apiKey });
    expect(own.status).toBe(200);
    expect(own.body.mode).toBe('test');
  });

  it('should delete the session endpoint on Ctrl-C, and have printed nothing but the expected lines', async () => {
    listener.kill('SIGINT');
    const { code } = await listener.exited;
    expect(code).toBe(0);
    expect((await api(stack.apiUrl, 'GET', `/v1/endpoints/${sessionId}`, { token: org.apiKey })).status).toBe(404);

    const lines = listener.stdout.filter((l) => l !== '');
    expect(lines.slice(0, 4).map((l, i) => HEADER_LINES[i].test(l))).toEqual([true, true, true, true]);
    expect(lines.at(-1)).toMatch(END_LINE);
    const middle = lines.slice(4, -1);
    expect(middle.length).toBe(5); // order.new, three customer.created attempts, the marker
    for (const l of middle) expect(l).toMatch(DELIVERY_LINE);
    expect(listener.stderr.filter((l) => l !== '')).toEqual([]);
  });

  it('should remove a session whose CLI died, after the grace period', async () => {
    const cli = new CliProcess(['listen', '--api', balancer.url, '--key', org.apiKey, '--forward-to', receiver.url]);
    const id = (await cli.line(/^> Session (ep_\S+) /))[1];
    await cli.line(/^> Ready! /);
    cli.kill('SIGKILL');
    await cli.exited;
    const killedAt = Date.now();
    // Still there right after: only the lease's expiry removes it.
    expect((await api(stack.apiUrl, 'GET', `/v1/endpoints/${id}`, { token: org.apiKey })).status).toBe(200);
    await eventually(async () => ((await api(stack.apiUrl, 'GET', `/v1/endpoints/${id}`, { token: org.apiKey })).status === 404 ? true : undefined), 15_000, 'the reaper');
    console.log(`dead CLI session removed ${Date.now() - killedAt} ms after the kill (grace ${GRACE_SECONDS} s)`);
  });

  it('should record a refused local connection as a failed attempt, printed as [refused]', async () => {
    const deadPort = await freePort();
    const cli = new CliProcess(['listen', '--api', balancer.url, '--key', org.apiKey, '--forward-to', `http://localhost:${deadPort}/hooks`, '--events', 'product.deleted']);
    await cli.line(/^> Ready! Forwarding test-mode events to http:\/\/localhost:\d+\/hooks$/);
    const triggered = await trigger(['product.deleted']);
    const eventId = /(evt_[0-9a-z]{26})/.exec(triggered.stdout[0])![1];
    const line = await cli.line(new RegExp(`^\\d\\d:\\d\\d:\\d\\d  product\\.deleted\\s+${eventId}  \\[refused\\]  \\d+ ms$`), 10_000);
    expect(line).not.toBeNull();
    const sessionOfCli = (await cli.line(/^> Session (ep_\S+) /))[1];
    const attempt = await eventually(async () => {
      const list = await api<{ data: Array<{ id: string }> }>(stack.apiUrl, 'GET', `/v1/endpoints/${sessionOfCli}/deliveries`, { token: org.apiKey });
      if (!list.body.data?.[0]) return undefined;
      const detail = (await api<DeliveryDetail>(stack.apiUrl, 'GET', `/v1/deliveries/${list.body.data[0].id}`, { token: org.apiKey })).body;
      return detail.attempts[0];
    }, 10_000, 'the refused attempt to be recorded');
    expect(attempt).toMatchObject({ attemptNumber: 1, outcome: 'connection_error', statusCode: null });
    cli.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
  });

  it('should count a session that never answers as a timeout after DELIVERY_TIMEOUT_MS plus the relay allowance', async () => {
    // A CLI that is connected but hangs: this test holds the session's stream itself and never answers.
    const created = await api<{ id: string }>(balancer.url, 'POST', '/v1/listen/sessions', { token: org.apiKey, body: { eventTypes: ['product.updated'] } });
    expect(created.status).toBe(201);
    const stream = await fetch(`${balancer.url}/v1/listen/sessions/${created.body.id}/stream`, { headers: { authorization: `Bearer ${org.apiKey}` } });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = stream.body!.getReader();
    let seen = '';
    const readUntil = async (text: string) => {
      while (!seen.includes(text)) seen += new TextDecoder().decode((await reader.read()).value);
    };
    await readUntil('event: ready');
    const started = Date.now();
    const triggered = await trigger(['product.updated']);
    const eventId = /(evt_[0-9a-z]{26})/.exec(triggered.stdout[0])![1];
    await readUntil(eventId);
    // The relayed request carries the signed headers and the exact body, and no organization id.
    const delivery = JSON.parse(/event: delivery\ndata: (.*)\n/.exec(seen)![1]) as { headers: Record<string, string>; body: string; organizationId?: string; timeoutMs: number };
    expect(delivery.headers['webhook-signature']).toMatch(/^v1,/);
    expect(JSON.parse(delivery.body)).toMatchObject({ id: eventId, mode: 'test' });
    expect(delivery.organizationId).toBeUndefined();
    expect(delivery.timeoutMs).toBe(1_000);

    const attempt = await eventually(async () => {
      const list = await api<{ data: Array<{ id: string }> }>(stack.apiUrl, 'GET', `/v1/endpoints/${created.body.id}/deliveries`, { token: org.apiKey });
      const id = list.body.data?.[0]?.id;
      const detail = id ? (await api<DeliveryDetail & { attempts: Array<Attempt & { error: string }> }>(stack.apiUrl, 'GET', `/v1/deliveries/${id}`, { token: org.apiKey })).body : undefined;
      return detail?.attempts[0];
    }, 15_000, 'the timed-out attempt to be recorded');
    console.log(`unanswered relay recorded as ${attempt.outcome} after ${Date.now() - started} ms (timeout 1000 ms + allowance 2000 ms)`);
    expect(attempt).toMatchObject({ attemptNumber: 1, outcome: 'timeout', statusCode: null });
    expect(attempt.error).toMatch(/no answer from the CLI session within 3000 ms/);
    expect(attempt.durationMs).toBeGreaterThanOrEqual(3_000);
    await reader.cancel();
    await api(balancer.url, 'DELETE', `/v1/listen/sessions/${created.body.id}`, { token: org.apiKey });
  });

  describe('usage errors', () => {
    it.each([
      ['an unknown flag', ['listen', '--forward-to', 'http://localhost:4000', '--key', 'k', '--bogus'], /^error: unknown option '--bogus'$/],
      ['a public --forward-to', ['listen', '--forward-to', 'https://example.com/hooks', '--key', 'k'], /--forward-to must be a local URL .* got host example\.com$/],
      ['a private --forward-to', ['listen', '--forward-to', 'http://10.1.2.3/hooks', '--key', 'k'], /--forward-to must be a local URL/],
      ['a missing --forward-to', ['listen', '--key', 'k'], /^error: required option '--forward-to <url>' not specified$/],
      ['no key', ['trigger', 'order.new'], /^error: an API key is needed/],
      ['bad --data', ['trigger', 'order.new', '--key', 'k', '--data', '{oops'], /--data must be JSON/],
      ['a bad --api', ['trigger', 'order.new', '--key', 'k', '--api', 'localhost:3000'], /--api must be the admin API's http\(s\) base URL/],
    ])('should refuse %s with a clear message and exit code 1', async (_what, args, message) => {
      const { code, stderr } = await CliProcess.run(args);
      expect(code).toBe(1);
      expect(stderr[0]).toMatch(message);
    });

    it('should refuse a bad key, naming the 401', async () => {
      const { code, stderr } = await CliProcess.run(['trigger', 'order.new', '--api', balancer.url, '--key', 'shk_not_a_key']);
      expect(code).toBe(1);
      expect(stderr[0]).toMatch(/^error: the admin API refused the API key \(401: the API key is unknown or revoked\)/);
      const listen = await CliProcess.run(['listen', '--api', balancer.url, '--key', 'shk_not_a_key', '--forward-to', receiver.url]);
      expect(listen.code).toBe(1);
      expect(listen.stderr[0]).toMatch(/refused the API key \(401/);
    });

    it('should say so when the admin API cannot be reached', async () => {
      const port = await freePort();
      const { code, stderr } = await CliProcess.run(['listen', '--api', `http://127.0.0.1:${port}`, '--key', 'k', '--forward-to', receiver.url]);
      expect(code).toBe(1);
      expect(stderr[0]).toBe(`error: cannot reach the admin API at http://127.0.0.1:${port} (ECONNREFUSED); is it running? (npm start, or --api <url>)`);
    });

    it('should refuse an event type outside the catalog', async () => {
      const { code, stderr } = await trigger(['invoice.paid']);
      expect(code).toBe(1);
      expect(stderr[0]).toMatch(/answered 400: type names unknown event types: invoice\.paid/);
    });

    it.each([[[]], [['listen']], [['trigger']]])('should print help for %j', async (command) => {
      const { code, stdout } = await CliProcess.run([...command, '--help']);
      expect(code).toBe(0);
      expect(stdout[0]).toBe(`Usage: sourcehub-webhooks ${command.length ? `${command[0]} ` : ''}[options]${command[0] === 'trigger' ? ' <type>' : command.length ? '' : ' [command]'}`);
    });
  });
  // Last: it stops one of the two admin API instances.
  it('should keep the session and its secret when the instance holding the stream stops, reconnecting to the other one', async () => {
    const cli = new CliProcess(['listen', '--api', balancer.url, '--key', org.apiKey, '--forward-to', receiver.url, '--events', 'order.updated']);
    const id = (await cli.line(/^> Session (ep_\S+) /))[1];
    const sessionSecret = (await cli.line(/^> Webhook signing secret: (\S+)$/))[1];
    await cli.line(/^> Ready! /);
    const holder = balancer.hits.filter((h) => h.path === `/v1/listen/sessions/${id}/stream`).at(-1)!.target;
    balancer.remove(holder);
    if (holder === new URL(stack.apiUrl).origin) {
      const [first] = stack.apps.splice(0, 1);
      await first.close();
    } else {
      secondClosed = true;
      await second.close();
    }
    await eventually(async () => (cli.stderr.includes('> Reconnected') ? true : undefined), 10_000, 'the CLI to reconnect');

    const before = receiver.requests.length;
    const triggered = await trigger(['order.updated']);
    const eventId = /(evt_[0-9a-z]{26})/.exec(triggered.stdout[0])![1];
    const [request] = (await receiver.waitFor(before + 1, 10_000)).slice(before);
    const verified = new Webhook(sessionSecret).verify(request.body, {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    }) as { id: string };
    expect(verified.id).toBe(eventId);
    expect(cli.stderr.filter((l) => l !== '')).toEqual([expect.stringMatching(/^> Connection to http:\/\/127\.0\.0\.1:\d+ lost; reconnecting in \d+ ms$/), '> Reconnected']);
    cli.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
  });
});

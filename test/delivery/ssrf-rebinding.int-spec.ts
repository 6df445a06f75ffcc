import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Producer } from 'kafkajs';
import { deliveryIdFor } from '@app/contracts';
import { domainEvent } from '../history/history-support';
import { DnsStub } from '../support/dns-stub';
import { api, eventually, query, resetWorld, startStack, testEnv, testProducer } from '../support/stack';
import { createOrg, ErrorBody, Org } from '../subscriptions/admin-api';

const NAME = 'hooks.rebind.test';

/** An HTTP server on one loopback address that counts connections and requests; it closes every connection. */
class LoopbackReceiver {
  connections = 0;
  readonly bodies: string[] = [];
  private readonly server: Server;

  constructor(readonly host: string) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      // Connection: close, so every attempt connects again and goes through the guarded lookup.
      req.on('end', () => {
        this.bodies.push(Buffer.concat(chunks).toString());
        res.writeHead(200, { connection: 'close' }).end('ok');
      });
    });
    this.server.on('connection', () => this.connections++);
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.host, () => resolve((this.server.address() as AddressInfo).port));
    });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** One port open on 127.0.0.2 (allowed) and 127.0.0.1 (not allowed): only the DNS answer decides where a call goes. */
async function receiversOnOnePort(): Promise<{ allowed: LoopbackReceiver; trap: LoopbackReceiver; port: number }> {
  for (let tries = 0; tries < 20; tries++) {
    const allowed = new LoopbackReceiver('127.0.0.2');
    const port = await allowed.listen(0);
    const trap = new LoopbackReceiver('127.0.0.1');
    try {
      await trap.listen(port);
      return { allowed, trap, port };
    } catch {
      await allowed.stop();
    }
  }
  throw new Error('no port free on both 127.0.0.1 and 127.0.0.2');
}

type AttemptRow = { attempt_number: number; outcome: string; error: string | null };

// SPEC §5: a name that passed at registration and resolves to a forbidden address at delivery time (DNS
// rebinding) is refused at connect. Everything stays on loopback: 127.0.0.2/32 is the only private network
// allowed, 127.0.0.1 stands for the internal address an attacker would point the name at.
describe('DNS rebinding at delivery time', () => {
  const dns = new DnsStub();
  let env: NodeJS.ProcessEnv;
  let stack: Awaited<ReturnType<typeof startStack>>;
  let producer: Producer;
  let receivers: Awaited<ReturnType<typeof receiversOnOnePort>>;
  let org: Org;

  beforeAll(async () => {
    await resetWorld();
    await dns.start();
    receivers = await receiversOnOnePort();
    // Two attempts, so a refused delivery reaches its final state quickly.
    env = testEnv({ DNS_SERVERS: dns.server, WEBHOOK_ALLOWED_PRIVATE_NETWORKS: '127.0.0.2/32', RETRY_SCHEDULE_SECONDS: '0.3' });
    stack = await startStack(env);
    producer = await testProducer();
    org = await createOrg(stack.apiUrl, 'Rebind');
  });

  afterAll(async () => {
    await producer?.disconnect();
    await stack?.stop();
    await Promise.all([receivers?.allowed.stop(), receivers?.trap.stop(), dns.stop()]);
  });

  const register = (url: string) => api<{ id: string } & ErrorBody>(stack.apiUrl, 'POST', '/v1/endpoints', { token: org.apiKey, body: { url, mode: 'live', eventTypes: ['order.new'] } });

  async function publish(id: string): Promise<void> {
    await producer.send({ topic: 'order.new', messages: [{ key: org.id, value: JSON.stringify(domainEvent(org.id, 'order.new', 'live', id)) }] });
  }

  async function finalState(endpointId: string, eventId: string) {
    const deliveryId = deliveryIdFor(org.id, eventId, endpointId);
    return eventually(async () => {
      const [d] = await query<{ status: string; attempt_count: number; status_reason: string | null }>('SELECT status, attempt_count, status_reason FROM deliveries WHERE id = $1', [deliveryId]);
      if (d?.status !== 'succeeded' && d?.status !== 'failed') return undefined;
      const attempts = await query<AttemptRow>('SELECT attempt_number, outcome, error FROM attempts WHERE delivery_id = $1 ORDER BY attempt_number', [deliveryId]);
      return { ...d, attempts };
    }, 30_000, `the final state of ${eventId}`);
  }

  it('should refuse at registration a name the resolver answers with a forbidden address, alone or among allowed ones', async () => {
    dns.answer('inside.rebind.test', ['127.0.0.1']);
    dns.answer('mixed.rebind.test', ['127.0.0.2', '127.0.0.1']);

    for (const name of ['inside.rebind.test', 'mixed.rebind.test']) {
      const res = await register(`http://${name}:${receivers.port}/hook`);
      expect({ name, status: res.status, message: res.body.message }).toEqual({
        name,
        status: 400,
        message: [`url: host ${name} resolves to 127.0.0.1, a loopback address; webhooks need a public address`],
      });
    }
    expect(dns.queriesFor('inside.rebind.test').length).toBeGreaterThan(0);
  });

  it('should deliver while the name resolves to the allowed address, then refuse at connect once it resolves to a forbidden one', async () => {
    dns.answer(NAME, ['127.0.0.2']);
    const endpoint = await register(`http://${NAME}:${receivers.port}/hook`);
    expect(endpoint.status).toBe(201);

    // The delivery service resolves the name through the stub too: the first event reaches 127.0.0.2.
    const queriesBefore = dns.queriesFor(NAME).length;
    await publish('evt_before_rebind');
    expect(await finalState(endpoint.body.id, 'evt_before_rebind')).toMatchObject({ status: 'succeeded', attempt_count: 1 });
    expect(receivers.allowed.bodies).toHaveLength(1);
    expect(dns.queriesFor(NAME).length).toBeGreaterThan(queriesBefore);

    // Rebinding: same name, same registered URL, now the internal address.
    dns.answer(NAME, ['127.0.0.1']);
    await publish('evt_after_rebind');
    const refused = await finalState(endpoint.body.id, 'evt_after_rebind');

    expect(refused.status).toBe('failed');
    expect(refused.attempts.map((a) => [a.attempt_number, a.outcome, a.error])).toEqual([
      [1, 'forbidden_address', `host ${NAME} resolves to 127.0.0.1, which is not a public address`],
      [2, 'forbidden_address', `host ${NAME} resolves to 127.0.0.1, which is not a public address`],
    ]);
    expect(refused.status_reason).toMatch(/gave up after 2 attempts: host hooks\.rebind\.test resolves to 127\.0\.0\.1/);
    expect(receivers.trap.connections).toBe(0);
    expect(receivers.trap.bodies).toHaveLength(0);
    expect(receivers.allowed.bodies).toHaveLength(1);

    // One forbidden address among allowed ones is refused as well (a client may connect to any of them).
    dns.answer(NAME, ['127.0.0.2', '127.0.0.1']);
    await publish('evt_mixed_answer');
    expect((await finalState(endpoint.body.id, 'evt_mixed_answer')).attempts.map((a) => a.outcome)).toEqual(['forbidden_address', 'forbidden_address']);
    expect(receivers.trap.connections).toBe(0);
    expect(receivers.allowed.bodies).toHaveLength(1);
  });
});

import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { WebhookHttpSender, type HttpSenderOptions, type SendRequest } from './http-sender';
import { webhookHeaders } from './signing';
import type { UrlPolicy } from './url-policy';

const LOOPBACK_ALLOWED: UrlPolicy = { allowedPrivateNetworks: ['127.0.0.0/8'], allowHttpInLive: false };
const STRICT: UrlPolicy = { allowedPrivateNetworks: [], allowHttpInLive: false };
const USER_AGENT = 'Sourcehub-Webhooks/test';

interface ReceivedRequest {
  method: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface TestReceiver {
  port: number;
  url: string;
  received: ReceivedRequest[];
  connections: number;
}

const servers: http.Server[] = [];
const senders: WebhookHttpSender[] = [];

// A real receiver on 127.0.0.1: the handler runs once the request body has arrived in full.
async function startReceiver(handler: (res: http.ServerResponse) => void): Promise<TestReceiver> {
  const server = http.createServer();
  servers.push(server);
  const receiver: TestReceiver = { port: 0, url: '', received: [], connections: 0 };
  server.on('connection', () => {
    receiver.connections += 1;
  });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      receiver.received.push({ method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      handler(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hook`;
  return receiver;
}

const rawServers: net.Server[] = [];

/** A TCP server that speaks (or breaks) HTTP by hand. */
async function rawReceiver(onConnection: (socket: net.Socket) => void): Promise<number> {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  rawServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function newSender(overrides: Partial<HttpSenderOptions> = {}): WebhookHttpSender {
  const sender = new WebhookHttpSender({ timeoutMs: 2000, policy: LOOPBACK_ALLOWED, userAgent: USER_AGENT, ...overrides });
  senders.push(sender);
  return sender;
}

function request(url: string, body = '{"id":"evt_1"}'): SendRequest {
  return { url, body, headers: webhookHeaders(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], 'msg_1', 1614265330, body) };
}

afterEach(async () => {
  senders.splice(0).forEach((sender) => sender.close());
  for (const server of rawServers.splice(0)) server.close();
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

describe('WebhookHttpSender', () => {
  it('should deliver the exact body and headers and report success when the receiver answers 200', async () => {
    const receiver = await startReceiver((res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('thanks'));
    // Whitespace and non-ASCII catch any re-serialisation or trimming of the signed bytes.
    const body = '  {"id":"evt_1","data":{"name":"Zoë ✓"}}\n';
    const req = request(receiver.url, body);

    const result = await newSender().send(req);

    expect(result).toEqual({ outcome: 'success', statusCode: 200, durationMs: expect.any(Number), error: null, responseExcerpt: 'thanks', retryAfter: null });
    expect(receiver.received).toHaveLength(1);
    const [received] = receiver.received;
    expect(received.method).toBe('POST');
    expect(received.body).toBe(body);
    expect(received.headers).toMatchObject({
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'user-agent': USER_AGENT,
      'webhook-id': req.headers['webhook-id'],
      'webhook-timestamp': req.headers['webhook-timestamp'],
      'webhook-signature': req.headers['webhook-signature'],
    });
  });

  it('should reuse one keep-alive connection when sending twice to the same receiver', async () => {
    const receiver = await startReceiver((res) => res.writeHead(204).end());
    const sender = newSender();

    const first = await sender.send(request(receiver.url));
    // undici hands the socket back to its pool once the response has fully ended, a tick after the caller sees it.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await sender.send(request(receiver.url));

    expect([first.outcome, second.outcome]).toEqual(['success', 'success']);
    expect(receiver.connections).toBe(1);
  });

  it('should report http_error with an excerpt when the receiver answers 500', async () => {
    const receiver = await startReceiver((res) => res.writeHead(500).end('boom'));

    const result = await newSender().send(request(receiver.url));

    expect(result).toMatchObject({ outcome: 'http_error', statusCode: 500, error: 'HTTP 500', responseExcerpt: 'boom' });
  });

  it.each<[string, number, Record<string, string>, string | null]>([
    ['a 429 with delta-seconds', 429, { 'Retry-After': '3' }, '3'],
    ['a 503 with an HTTP date', 503, { 'Retry-After': 'Tue, 01 Dec 2026 10:00:03 GMT' }, 'Tue, 01 Dec 2026 10:00:03 GMT'],
    ['a 429 without the header', 429, {}, null],
    ['a 500 with the header (it means nothing there)', 500, { 'Retry-After': '3' }, null],
  ])('should report the Retry-After of %s', async (_name, status, headers, expected) => {
    const receiver = await startReceiver((res) => res.writeHead(status, headers).end());

    const result = await newSender().send(request(receiver.url));

    expect(result).toMatchObject({ outcome: 'http_error', statusCode: status, retryAfter: expected });
  });

  it('should report http_error and not follow when the receiver redirects', async () => {
    const target = await startReceiver((res) => res.writeHead(200).end());
    const receiver = await startReceiver((res) => res.writeHead(302, { Location: target.url }).end());

    const result = await newSender().send(request(receiver.url));

    expect(result).toMatchObject({ outcome: 'http_error', statusCode: 302, error: 'redirect 302 not followed' });
    expect(receiver.received).toHaveLength(1);
    expect(target.received).toHaveLength(0);
  });

  it('should time out at timeoutMs when the receiver never answers', async () => {
    const receiver = await startReceiver(() => undefined);

    const result = await newSender({ timeoutMs: 300 }).send(request(receiver.url));

    expect(result).toMatchObject({ outcome: 'timeout', statusCode: null, error: 'timeout after 300 ms' });
    expect(result.durationMs).toBeGreaterThanOrEqual(300);
    expect(result.durationMs).toBeLessThan(1500);
  });

  it('should time out at timeoutMs when the receiver trickles its body', async () => {
    // Each byte arrives well inside the timeout, so only a wall-clock deadline can cut this off.
    const receiver = await startReceiver((res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      const ticker = setInterval(() => res.write('.'), 100);
      const stop = setTimeout(() => res.end(), 2000);
      res.on('close', () => {
        clearInterval(ticker);
        clearTimeout(stop);
      });
    });

    const result = await newSender({ timeoutMs: 500 }).send(request(receiver.url));

    expect(result).toMatchObject({ outcome: 'timeout', statusCode: 200, error: 'timeout after 500 ms' });
    expect(result.durationMs).toBeGreaterThanOrEqual(500);
    expect(result.durationMs).toBeLessThan(1500);
  });

  it('should keep only the first bytes when the receiver answers with a huge body', async () => {
    const huge = Buffer.alloc(10 * 1024 * 1024, 'x');
    const receiver = await startReceiver((res) => res.writeHead(200, { 'Content-Length': huge.length }).end(huge));

    const result = await newSender({ maxResponseExcerptBytes: 100 }).send(request(receiver.url));

    expect(result).toMatchObject({ outcome: 'success', statusCode: 200, responseExcerpt: 'x'.repeat(100) });
  });

  it('should stay within the default excerpt limit when the body is huge', async () => {
    const huge = Buffer.alloc(10 * 1024 * 1024, 'é');
    const receiver = await startReceiver((res) => res.writeHead(500).end(huge));

    const result = await newSender().send(request(receiver.url));

    expect(result.outcome).toBe('http_error');
    expect(Buffer.byteLength(result.responseExcerpt ?? '')).toBeLessThanOrEqual(1024);
    expect(result.responseExcerpt).toMatch(/^é+$/);
  });

  it('should keep an excerpt PostgreSQL can store when the receiver answers with NUL bytes and invalid UTF-8', async () => {
    const receiver = await startReceiver((res) => res.writeHead(500).end(Buffer.from([0x61, 0x00, 0x62, 0xff, 0x00])));

    const result = await newSender().send(request(receiver.url));

    expect(result).toMatchObject({ outcome: 'http_error', statusCode: 500, responseExcerpt: 'a\uFFFDb\uFFFD\uFFFD' });
  });

  it('should time out at timeoutMs when the receiver trickles its status line and headers', async () => {
    const port = await rawReceiver((socket) => {
      const text = `HTTP/1.1 200 OK\r\nx-slow: ${'s'.repeat(10_000)}`;
      let i = 0;
      const ticker = setInterval(() => socket.write(text[i++ % text.length]), 20);
      socket.on('close', () => clearInterval(ticker));
    });

    const result = await newSender({ timeoutMs: 500 }).send(request(`http://127.0.0.1:${port}/hook`));

    expect(result).toMatchObject({ outcome: 'timeout', statusCode: null, error: 'timeout after 500 ms' });
    expect(result.durationMs).toBeLessThan(1500);
  });

  it.each<[string, (socket: net.Socket) => void, RegExp]>([
    ['resets the connection at accept', (socket) => socket.resetAndDestroy(), /^(ECONNRESET|UND_ERR_SOCKET)$/],
    ['resets the connection mid-response', (socket) => void socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\npartial', () => socket.resetAndDestroy()), /^(ECONNRESET|UND_ERR_SOCKET)$/],
    ['sends a 1 MB header', (socket) => socket.end(`HTTP/1.1 200 OK\r\nx-big: ${'h'.repeat(1024 * 1024)}\r\n\r\n`), /^UND_ERR_HEADERS_OVERFLOW$/],
    ['sends 10,000 headers', (socket) => socket.end(`HTTP/1.1 200 OK\r\n${'x-h: v\r\n'.repeat(10_000)}\r\n`), /^UND_ERR_HEADERS_OVERFLOW$/],
    ['answers with something that is not HTTP', (socket) => socket.end('\u0000\u0001 not http\r\n\r\n'), /HTTP\/1\.1 protocol/],
  ])('should report connection_error naming the cause when the receiver %s', async (_label, answer, error) => {
    // Answers as soon as the request starts arriving, like a hostile server would.
    const port = await rawReceiver((socket) => socket.once('data', () => answer(socket)));

    const result = await newSender().send(request(`http://127.0.0.1:${port}/hook`));

    expect(result).toMatchObject({ outcome: 'connection_error', error: expect.stringMatching(error), responseExcerpt: null });
    expect(result.error).not.toContain('\u0000');
  });

  it('should spend little CPU refusing a receiver that answers with 200,000 headers', async () => {
    // undici builds an error with a stack trace for every header past the limit in the buffer it parses:
    // unsliced, each such answer cost a few hundred ms of CPU, stalling every other delivery.
    const port = await rawReceiver((socket) => socket.once('data', () => socket.write(`HTTP/1.1 200 OK\r\n${'a:b\r\n'.repeat(200_000)}\r\n`)));
    const sender = newSender();
    await sender.send(request(`http://127.0.0.1:${port}/warm-up`));

    const cpuBefore = process.cpuUsage();
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await sender.send(request(`http://127.0.0.1:${port}/hook`)));
    const cpu = process.cpuUsage(cpuBefore);

    expect(results.map((r) => r.error)).toEqual(['UND_ERR_HEADERS_OVERFLOW', 'UND_ERR_HEADERS_OVERFLOW', 'UND_ERR_HEADERS_OVERFLOW']);
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(400);
  });

  it('should read an answer with large headers intact when it is parsed in many pieces', async () => {
    const body = Buffer.alloc(1000, 'b');
    const receiver = await startReceiver((res) => res.writeHead(500, { 'x-long': 'v'.repeat(8000) }).end(body));
    const sender = newSender();

    const results = [await sender.send(request(receiver.url)), await sender.send(request(receiver.url))];

    expect(results.map((r) => [r.outcome, r.statusCode, r.responseExcerpt])).toEqual([
      ['http_error', 500, body.toString()],
      ['http_error', 500, body.toString()],
    ]);
  });

  it('should report connection_error when nothing listens on the port', async () => {
    const port = await closedPort();

    const result = await newSender().send(request(`http://127.0.0.1:${port}/hook`));

    expect(result).toMatchObject({ outcome: 'connection_error', statusCode: null, error: 'ECONNREFUSED', responseExcerpt: null });
  });

  it.each([
    ['a literal loopback address', (port: number) => `http://127.0.0.1:${port}/hook`, /address 127\.0\.0\.1 is not a public address/],
    ['a mapped IPv6 spelling', (port: number) => `http://[::ffff:127.0.0.1]:${port}/hook`, /address ::ffff:7f00:1 is not a public address/],
    ['a decimal spelling', (port: number) => `http://2130706433:${port}/hook`, /address 127\.0\.0\.1 is not a public address/],
    ['an IPv4-compatible IPv6 spelling', (port: number) => `http://[::127.0.0.1]:${port}/hook`, /address ::7f00:1 is not a public address/],
    ['the localhost name, refused by the guarded lookup', (port: number) => `http://localhost:${port}/hook`, /host localhost resolves to 127\.0\.0\.1/],
  ])('should report forbidden_address and send nothing when given %s without an allowed network', async (_label, url, error) => {
    const receiver = await startReceiver((res) => res.writeHead(200).end());

    const result = await newSender({ policy: STRICT }).send(request(url(receiver.port)));

    expect(result).toMatchObject({ outcome: 'forbidden_address', statusCode: null, error: expect.stringMatching(error) });
    expect(receiver.received).toHaveLength(0);
    expect(receiver.connections).toBe(0);
  });

  it('should ignore HTTP_PROXY when the environment sets one', async () => {
    const proxy = await startReceiver((res) => res.writeHead(200).end());
    const receiver = await startReceiver((res) => res.writeHead(200).end());
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };
    process.env.HTTP_PROXY = `http://127.0.0.1:${proxy.port}`;
    process.env.NO_PROXY = '';
    try {
      // A proxy would connect on our behalf, so the guarded lookup would never see where the request goes.
      const result = await newSender({ policy: STRICT }).send(request(`http://localhost:${receiver.port}/hook`));

      expect(result.outcome).toBe('forbidden_address');
      expect(proxy.received).toHaveLength(0);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('should deliver through the guarded lookup when the name resolves inside an allowed network', async () => {
    const receiver = await startReceiver((res) => res.writeHead(200).end());

    const result = await newSender().send(request(`http://localhost:${receiver.port}/hook`));

    expect(result.outcome).toBe('success');
    expect(receiver.received).toHaveLength(1);
  });

  it.each([
    ['a non-http scheme', 'ftp://example.com/hook', /scheme ftp: is not allowed/],
    ['garbage', 'not a url', /not a valid absolute URL/],
    ['credentials', 'http://user:pass@127.0.0.1/hook', /credentials/],
  ])('should report invalid_url when given %s', async (_label, url, error) => {
    const result = await newSender().send(request(url));

    expect(result).toMatchObject({ outcome: 'invalid_url', statusCode: null, error: expect.stringMatching(error) });
  });
});

/*
 * Micro-benchmark behind the choice of HTTP client for deliveries: N signed-size POSTs with C in
 * flight to a local server, through axios (keep-alive agent) and undici (Pool/Agent).
 *   npx ts-node --transpile-only bench/http-client.bench.ts [requests] [concurrency]
 */
import axios from 'axios';
import { createServer } from 'node:http';
import { Agent as HttpAgent } from 'node:http';
import { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { Agent, request } from 'undici';

const total = Number(process.argv[2] ?? 20000);
const concurrency = Number(process.argv[3] ?? 50);
const body = JSON.stringify({ id: 'evt_1', type: 'order.new', organizationId: 'org_1', mode: 'live', occurredAt: new Date().toISOString(), data: { orderId: 'o', total: 12.5, items: [{ sku: 'A', qty: 2 }] } });
const headers = { 'content-type': 'application/json', 'webhook-id': 'del_x', 'webhook-timestamp': '1', 'webhook-signature': 'v1,' + 'x'.repeat(44), 'user-agent': 'bench' };

async function run(name: string, send: () => Promise<void>): Promise<void> {
  let next = 0;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < total) await send();
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuMsPerRequest = (cpu.user + cpu.system) / 1000 / total;
  console.log(`${name.padEnd(8)} ${Math.round(total / seconds)} req/s  client CPU ${(cpuMsPerRequest * 1000).toFixed(0)} µs/request`);
}

async function main(): Promise<void> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end('ok'));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  console.log(`${total} POSTs, ${concurrency} in flight, ${cpus().length} x ${cpus()[0]?.model}, node ${process.version}`);

  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: concurrency });
  const ax = axios.create({ httpAgent, maxRedirects: 0, validateStatus: () => true, transformRequest: [(d: unknown) => d], proxy: false });
  const dispatcher = new Agent({ connections: concurrency, keepAliveTimeout: 30_000 });

  for (let round = 0; round < 2; round++) {
    await run('axios', async () => {
      await ax.post(url, body, { headers, responseType: 'stream' }).then((r) => (r.data as NodeJS.ReadableStream).resume());
    });
    await run('undici', async () => {
      const r = await request(url, { method: 'POST', body, headers, dispatcher });
      await r.body.dump();
    });
  }
  await dispatcher.close();
  httpAgent.destroy();
  server.close();
}

void main();

/*
 * Micro-benchmark behind the HTTP client of deliveries: N signed-size POSTs with C in flight to a
 * local server in a child process (so the CPU counted is the client's alone), through axios
 * (keep-alive agent), undici's `request()`, and the delivery service's own WebhookHttpSender
 * (undici `dispatch` with its own handler, deadline, excerpt and URL policy).
 *   npx ts-node --transpile-only bench/http-client.bench.ts [requests] [concurrency]
 */
import axios from 'axios';
import { spawn } from 'node:child_process';
import { Agent as HttpAgent } from 'node:http';
import { cpus } from 'node:os';
import { Agent, request } from 'undici';
import { WebhookHttpSender } from '../libs/webhooks/src/http-sender';

const total = Number(process.argv[2] ?? 20000);
const concurrency = Number(process.argv[3] ?? 50);
const body = JSON.stringify({ id: 'evt_1', type: 'order.new', organizationId: 'org_1', mode: 'live', occurredAt: new Date().toISOString(), data: { orderId: 'o', total: 12.5, items: [{ sku: 'A', qty: 2 }] } });
const headers = { 'content-type': 'application/json', 'webhook-id': 'del_x', 'webhook-timestamp': '1', 'webhook-signature': 'v1,' + 'x'.repeat(44), 'user-agent': 'bench' };

const SERVER = `
const server = require('node:http').createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(200).end('ok')); });
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.send(server.address().port));
`;

async function run(name: string, send: () => Promise<unknown>): Promise<void> {
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
  console.log(`${name.padEnd(8)} ${String(Math.round(total / seconds)).padStart(6)} req/s  client CPU ${((cpu.user + cpu.system) / total).toFixed(0)} µs/request`);
}

async function main(): Promise<void> {
  const server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => server.once('message', (m) => resolve(Number(m))));
  const url = `http://127.0.0.1:${port}/hook`;
  console.log(`${total} POSTs, ${concurrency} in flight, ${cpus().length} x ${cpus()[0]?.model}, node ${process.version}`);

  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: concurrency });
  const ax = axios.create({ httpAgent, maxRedirects: 0, validateStatus: () => true, transformRequest: [(d: unknown) => d], proxy: false });
  const dispatcher = new Agent({ connections: concurrency, keepAliveTimeout: 30_000 });
  const sender = new WebhookHttpSender({ timeoutMs: 5_000, policy: { allowedPrivateNetworks: ['127.0.0.0/8'], allowHttpInLive: true }, userAgent: 'bench', maxSocketsPerHost: concurrency });

  for (let round = 0; round < 2; round++) {
    await run('axios', async () => {
      await ax.post(url, body, { headers, responseType: 'stream' }).then((r) => (r.data as NodeJS.ReadableStream).resume());
    });
    await run('undici', async () => {
      const r = await request(url, { method: 'POST', body, headers, dispatcher });
      await r.body.dump();
    });
    await run('sender', async () => {
      const result = await sender.send({ url, headers, body });
      if (result.outcome !== 'success') throw new Error(`sender: ${result.outcome} ${result.error}`);
    });
  }
  await dispatcher.close();
  sender.close();
  httpAgent.destroy();
  server.kill();
}

void main();

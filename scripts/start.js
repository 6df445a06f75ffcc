#!/usr/bin/env node
'use strict';
/*
 * `npm start`: the whole stack on this machine with demo traffic.
 * Installs what is missing, builds, brings up Kafka + PostgreSQL, starts the three services,
 * a sample receiver and a demo producer, and prints where to look. Ctrl-C stops everything it
 * started (services, receiver, and the infrastructure if it was not running before).
 *
 * package.json runs this as `exec node scripts/start.js`: without exec, npm's `sh -c` sits between npm and
 * this process, and a SIGINT sent to npm alone (npm forwards it to its child) ended the shell, never
 * reaching this script, which then kept everything running.
 */
const fs = require('fs');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { SERVICE_NODE_FLAGS } = require('./service-node-flags');
const { ensureDeps, REPO } = require('./ensure-deps');

const infra = require('./infra');

const LOG_DIR = path.join(infra.INFRA_DIR, 'logs');
const ADMIN_TOKEN = process.env.PLATFORM_ADMIN_TOKEN || 'dev-platform-admin-token-change-me';
// Other ports let a second stack (the smoke test of this very script) run beside a developer's.
const PORTS = {
  subscriptions: portEnv('SUBSCRIPTIONS_PORT', 3000),
  fanout: portEnv('FANOUT_PORT', 3001),
  delivery: portEnv('DELIVERY_PORT', 3002),
  receiver: portEnv('RECEIVER_PORT', 4000),
};
const children = [];
let stopping = false;
let infraStartedHere = false;

const say = (msg) => console.log(`[start] ${msg}`);

function portEnv(name, dflt) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    console.error(`[start] ${name}=${raw} is not a valid TCP port (1-65535)`);
    process.exit(78);
  }
  return n;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function startChild(name, args, env, { logToFile = true } = {}) {
  const out = logToFile ? fs.openSync(path.join(LOG_DIR, `${name}.log`), 'a') : 'inherit';
  const child = spawn(process.execPath, args, { cwd: REPO, env, stdio: ['ignore', out, logToFile ? out : 'inherit'] });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      say(`${name} exited (${signal || code}). Stopping everything.${logToFile ? `\n${logTail(name)}` : ''}`);
      void shutdown(1);
    }
  });
  children.push({ name, child });
  return child;
}

async function waitReady(name, port, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await sleep(300);
  }
  throw new Error(`${name} was not ready on port ${port} within ${timeoutMs / 1000} s.\n${logTail(name)}`);
}

/** The end of a service's log, so a failed start shows why without opening a file. */
function logTail(name, lines = 20) {
  const file = path.join(LOG_DIR, `${name}.log`);
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return `(no log at ${file})`;
  }
  const last = text.trimEnd().split('\n').slice(-lines);
  return `--- last ${last.length} lines of ${file} ---\n${last.join('\n')}\n--- end of ${name}.log ---`;
}

async function api(method, urlPath, token, body) {
  const res = await fetch(`http://127.0.0.1:${PORTS.subscriptions}${urlPath}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${urlPath} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  say('stopping...');
  for (const { child } of children) if (child.exitCode === null) child.kill('SIGTERM');
  const deadline = Date.now() + 15_000;
  while (children.some(({ child }) => child.exitCode === null && child.signalCode === null) && Date.now() < deadline) await sleep(100);
  for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (infraStartedHere) await infra.down();
  say('stopped.');
  process.exit(code);
}

async function main() {
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  ensureDeps();
  say('building the services...');
  if (spawnSync('npm', ['run', '-s', 'build'], { cwd: REPO, stdio: 'inherit' }).status !== 0) process.exit(1);

  const before = await infra.status().catch(() => null);
  infraStartedHere = !(before && before.kafka.healthy && before.postgres.healthy);
  const infraEnv = await infra.up();
  fs.mkdirSync(LOG_DIR, { recursive: true });

  const env = {
    ...process.env,
    ...infraEnv,
    PLATFORM_ADMIN_TOKEN: ADMIN_TOKEN,
    // The demo receiver runs on this machine, so loopback must be allowed (never in production).
    WEBHOOK_ALLOWED_PRIVATE_NETWORKS: process.env.WEBHOOK_ALLOWED_PRIVATE_NETWORKS ?? '127.0.0.0/8',
    WEBHOOK_ALLOW_HTTP_IN_LIVE: process.env.WEBHOOK_ALLOW_HTTP_IN_LIVE ?? 'true',
  };
  for (const name of ['subscriptions', 'fanout', 'delivery']) {
    startChild(name, [...SERVICE_NODE_FLAGS, path.join(REPO, 'dist', 'apps', name, 'main.js')], { ...env, PORT: String(PORTS[name]) });
  }
  startChild('receiver', [path.join(REPO, 'scripts', 'sample-receiver.js'), String(PORTS.receiver)], env, { logToFile: false });
  say('waiting for the services to be ready...');
  await Promise.all(['subscriptions', 'fanout', 'delivery'].map((n) => waitReady(n, PORTS[n])));

  const org = await api('POST', '/v1/organizations', ADMIN_TOKEN, { name: 'Demo organization' });
  const endpoint = await api('POST', '/v1/endpoints', org.apiKey, {
    url: `http://127.0.0.1:${PORTS.receiver}/webhooks`,
    mode: 'live',
    eventTypes: ['*'],
    description: 'npm start sample receiver',
  });
  await fetch(`http://127.0.0.1:${PORTS.receiver}/secret`, { method: 'POST', body: endpoint.secret });
  // TypeScript, because it uses the producer library as a Sourcehub service would (libs/producer).
  const tsNode = [require.resolve('ts-node/dist/bin.js', { paths: [REPO] }), '--transpile-only', '-r', 'tsconfig-paths/register'];
  startChild('demo-producer', [...tsNode, path.join(REPO, 'scripts', 'demo-producer.ts')], { ...env, DEMO_ORGANIZATION_ID: org.id }, { logToFile: false });

  console.log(`
  Sourcehub Webhooks is running.
    admin API + docs     http://127.0.0.1:${PORTS.subscriptions}/docs   (OpenAPI: /openapi.json)
    demo organization    ${org.id}
    its API key          ${org.apiKey}
    demo endpoint        ${endpoint.id} -> http://127.0.0.1:${PORTS.receiver}/webhooks
    health / metrics     http://127.0.0.1:{${PORTS.subscriptions},${PORTS.fanout},${PORTS.delivery}}/health/ready and /metrics
    service logs (JSON)  ${LOG_DIR}/{subscriptions,fanout,delivery}.log
    Kafka / PostgreSQL   ${infraEnv.KAFKA_BROKERS}  ${infraEnv.DATABASE_URL}
  The demo producer publishes an event every 2 s; the receiver prints each verified webhook below.
  Ctrl-C stops everything.
`);
}

main().catch(async (err) => {
  console.error(`[start] ${err.message}`);
  await shutdown(1);
});

'use strict';
// `node scripts/infra.js <command>`: stdout carries only machine-readable lines (KEY=value); progress goes to stderr.

const { up, down, status, stopOne, startOne } = require('./commands');

const USAGE =
  'usage: node scripts/infra.js up [--brokers 1|3] | down [--wipe] | status | stop kafka|kafka-N|postgres | start kafka|kafka-N|postgres\n';

const printEnv = (env) => process.stdout.write(Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''));
const state = (running, healthy) => (running ? (healthy ? 'running, healthy' : 'running, NOT healthy') : 'not running');

function parseUpOptions(rest) {
  const opts = {};
  for (let i = 0; i < rest.length; i++) {
    const m = /^--brokers(?:=(.*))?$/.exec(rest[i]);
    if (!m) throw new Error(`unknown option for up: ${rest[i]}`);
    const raw = m[1] !== undefined ? m[1] : rest[++i];
    if (!/^\d+$/.test(raw || '')) throw new Error('--brokers needs a number (1 or 3)');
    opts.brokers = Number(raw);
  }
  return opts;
}

function leadsLine(leads) {
  if (!leads) return 'leadership unknown';
  const topics = Object.entries(leads);
  const count = topics.reduce((sum, [, parts]) => sum + parts.length, 0);
  if (count === 0) return 'leads no partition';
  return `leads ${count} partition(s): ${topics.map(([t, parts]) => `${t} ${parts.join(',')}`).join('; ')}`;
}

function kafkaLines(k) {
  const head = `kafka:    ${state(k.running, k.healthy)}, ${k.brokerCount} broker(s) on ${k.brokers}`;
  const controller = k.activeController ? `; active KRaft controller: node ${k.activeController}` : '';
  const lines = [head + controller];
  for (const n of k.nodes) {
    lines.push(`  broker ${n.id} ${n.address} ${n.pid ? `(pid ${n.pid})` : '(not running)'}: ${n.pid ? leadsLine(n.leads) : '-'}; log ${n.log}`);
  }
  if (k.underReplicated.length) lines.push(`  under-replicated: ${k.underReplicated.join(', ')}`);
  return lines.join('\n') + '\n';
}

async function main(argv) {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'up': {
      printEnv(await up(parseUpOptions(rest)));
      return 0;
    }
    case 'down': {
      const unknown = rest.filter((a) => a !== '--wipe');
      if (unknown.length) throw new Error(`unknown option(s) for down: ${unknown.join(' ')}`);
      await down({ wipe: rest.includes('--wipe') });
      return 0;
    }
    case 'status': {
      const s = await status();
      const p = s.postgres;
      process.stdout.write(
        kafkaLines(s.kafka) +
          (p.external
            ? `postgres: external DATABASE_URL, ${p.healthy ? 'healthy' : 'NOT reachable'}` +
              `${p.running ? `; embedded one also running (pid ${p.pid})` : ''}\n`
            : `postgres: ${state(p.running, p.healthy)}${p.pid ? ` (pid ${p.pid}, port ${p.port})` : ''}; log ${p.log}\n`),
      );
      printEnv(s.env);
      return s.kafka.healthy && p.healthy ? 0 : 3;
    }
    case 'stop':
    case 'start': {
      if (rest.length !== 1) throw new Error(`usage: node scripts/infra.js ${cmd} kafka|kafka-N|postgres`);
      await (cmd === 'stop' ? stopOne(rest[0]) : startOne(rest[0]));
      return 0;
    }
    default:
      process.stderr.write(USAGE);
      return 2;
  }
}

function run(argv) {
  main(argv).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`[infra] ERROR: ${err && err.message ? err.message : err}\n`);
      process.exit(1);
    },
  );
}

module.exports = { main, run };

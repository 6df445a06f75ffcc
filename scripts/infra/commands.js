'use strict';
// The commands: up, down, status, and stopping or starting one part (fault drills), each under the infra lock.

const fs = require('fs');
const { KAFKA_DIR, KAFKA_CLUSTER_DIR, PG_DIR, PG_USER, PG_PASSWORD, PG_DB, config, clientEnv, checkBrokerCount, brokersFromEnv, log, secs } =
  require('./settings');
const { assertPortFree } = require('./process');
const { withLock } = require('./lock');
const { nodePaths, nodePid, runningLayout, startKafka, stopKafka } = require('./kafka');
const { kafkaHealthy, partitionLeaders, activeController } = require('./kafka-admin');
const { pgPid, pgRunningPort, pgPaths, pgQuery, startPostgres, stopPostgres, checkExternalDb } = require('./postgres');

/** The layout to use: the one asked for, else the one running, else INFRA_KAFKA_BROKERS, else one broker. */
function layout(requested) {
  const asked = requested === undefined || requested === null ? brokersFromEnv() : checkBrokerCount(requested, '--brokers');
  const running = runningLayout();
  if (asked && running && asked !== running) {
    throw new Error(
      `a ${running}-broker Kafka already runs from ${running === 1 ? KAFKA_DIR : KAFKA_CLUSTER_DIR}; ` +
        `run \`npm run infra -- down\` first to start ${asked} broker(s) instead.`,
    );
  }
  return asked || running || 1;
}

async function up({ brokers } = {}) {
  return withLock(async () => {
    const t0 = Date.now();
    const cfg = config(layout(brokers));
    // Check every port we are about to bind before starting anything, so a conflict leaves nothing behind.
    for (const n of cfg.nodes.filter((x) => !nodePid(x))) {
      await assertPortFree(n.port, `Kafka node ${n.id}`, 'INFRA_KAFKA_PORT');
      await assertPortFree(n.controllerPort, `Kafka controller ${n.id}`, 'INFRA_KAFKA_PORT');
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
    return clientEnv(cfg);
  });
}

async function down({ wipe = false } = {}) {
  return withLock(async () => {
    await Promise.all([stopKafka(), stopPostgres()]);
    if (wipe) {
      for (const dir of [KAFKA_DIR, KAFKA_CLUSTER_DIR, PG_DIR]) fs.rmSync(dir, { recursive: true, force: true });
      log(`wiped ${KAFKA_DIR}, ${KAFKA_CLUSTER_DIR} and ${PG_DIR}`);
    }
  });
}

/** 'kafka', 'postgres', or 'kafka-N' (node N of the three-broker cluster): what stopOne/startOne act on. */
function parsePart(which) {
  const node = /^kafka-([1-3])$/.exec(which);
  if (node) return { kind: 'kafka', node: Number(node[1]) };
  if (which !== 'kafka' && which !== 'postgres') throw new Error(`unknown part "${which}"; choose kafka, kafka-1..3 or postgres`);
  if (which === 'postgres') {
    const cfg = config();
    // DATABASE_URL may be the very URL `up` printed (a caller exported it): that one is still ours.
    const ours = `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${cfg.pgPort}/${PG_DB}`;
    if (cfg.externalDb && cfg.externalDb !== ours) {
      throw new Error('DATABASE_URL points at an external PostgreSQL; infra does not manage it, so it cannot stop or start it');
    }
  }
  return { kind: which, node: null };
}

/** Stops only Kafka (or one node of the cluster) or only PostgreSQL, leaving the rest running. */
async function stopOne(which) {
  const part = parsePart(which);
  return withLock(() => (part.kind === 'postgres' ? stopPostgres() : stopKafka(part.node ? [part.node] : null)));
}

/** Starts only Kafka (or one node of the cluster) or only PostgreSQL (idempotent) and resolves once it is healthy. */
async function startOne(which) {
  const part = parsePart(which);
  return withLock(async () => {
    if (part.kind === 'postgres') {
      const cfg = config();
      if (!pgPid()) await assertPortFree(cfg.pgPort, 'PostgreSQL', 'INFRA_PG_PORT');
      return startPostgres(cfg);
    }
    if (part.node) return startKafka(config(3), [part.node]);
    return startKafka(config(layout()));
  });
}

async function kafkaStatus(cfg) {
  const nodes = cfg.nodes.map((n) => ({ id: n.id, address: `127.0.0.1:${n.port}`, pid: nodePid(n), log: nodePaths(n).log }));
  const running = nodes.some((n) => n.pid);
  const healthy = running && (await kafkaHealthy(cfg, 5000).then(() => true, () => false));
  let underReplicated = [];
  if (running) {
    const leaders = await partitionLeaders(cfg, 5000).catch(() => null);
    if (leaders) {
      for (const n of nodes) n.leads = leaders.leads.get(n.id) || {};
      underReplicated = leaders.underReplicated;
    }
  }
  const controller = cfg.brokers > 1 ? activeController(cfg.nodes) : null;
  return {
    running,
    pid: nodes[0].pid,
    healthy,
    brokers: cfg.KAFKA_BROKERS,
    brokerCount: cfg.brokers,
    log: nodes[0].log,
    nodes,
    activeController: controller ? controller.id : null,
    underReplicated,
  };
}

async function status() {
  const cfg = config(layout());
  const kafka = await kafkaStatus(cfg);
  const ppid = pgPid();
  let pHealthy = false;
  if (ppid || cfg.externalDb) pHealthy = await pgQuery(cfg.DATABASE_URL, 'select 1').then(() => true, () => false);
  return {
    kafka,
    postgres: {
      running: Boolean(ppid),
      external: Boolean(cfg.externalDb),
      pid: ppid,
      port: ppid ? pgRunningPort() : null,
      healthy: pHealthy,
      log: pgPaths().log,
    },
    env: clientEnv(cfg),
  };
}

module.exports = { up, down, status, stopOne, startOne };

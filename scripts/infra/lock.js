'use strict';
// One up/down at a time per INFRA_DIR: across processes (proper-lockfile) and within one process (a queue).

const fs = require('fs');
const lockfile = require('proper-lockfile');
const { INFRA_DIR, LOCK_FILE, log } = require('./settings');

const WAIT_MS = 10 * 60_000;
const POLL_MS = 500;
let inProcess = Promise.resolve();

function withLock(fn) {
  const run = inProcess.then(() => withFileLock(fn));
  inProcess = run.catch(() => {});
  return run;
}

async function withFileLock(fn) {
  fs.mkdirSync(INFRA_DIR, { recursive: true });
  // The lock is a directory refreshed every few seconds; one left by a killed process is stale after 10 s.
  const options = { lockfilePath: LOCK_FILE, realpath: false, stale: 10_000, update: 2_000 };
  let release;
  try {
    release = await lockfile.lock(INFRA_DIR, options);
  } catch (e) {
    if (e.code !== 'ELOCKED') throw e;
    log('waiting for another infra command to finish...');
    const retries = { retries: Math.ceil(WAIT_MS / POLL_MS), factor: 1, minTimeout: POLL_MS, maxTimeout: POLL_MS };
    try {
      release = await lockfile.lock(INFRA_DIR, { ...options, retries });
    } catch (e2) {
      if (e2.code === 'ELOCKED') throw new Error(`timed out after ${WAIT_MS / 60_000} min waiting for ${LOCK_FILE}`);
      throw e2;
    }
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => {});
  }
}

module.exports = { withLock };

#!/usr/bin/env node
'use strict';
/*
 * The dashboard's browser tests drive Debian's `chromium` package through playwright-core (browser
 * downloads are not possible here). This installs it when /usr/bin/chromium is missing.
 *
 *   node scripts/ensure-chromium.js      install if missing (apt-get, as root), print the path
 *   require('./ensure-chromium').ensureChromium()
 */
const fs = require('fs');
const { spawnSync } = require('child_process');

const CHROMIUM = '/usr/bin/chromium';

function run(cmd, args) {
  process.stderr.write(`[chromium] ${cmd} ${args.join(' ')}\n`);
  const result = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return result.status === 0;
}

/** Returns the browser's path, installing the package first when it is not there. */
function ensureChromium() {
  if (fs.existsSync(CHROMIUM)) return CHROMIUM;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
  if (!apt || !isRoot) {
    throw new Error(`${CHROMIUM} is missing and cannot be installed here (needs apt-get as root): run "apt-get update && apt-get install -y chromium"`);
  }
  process.stderr.write('[chromium] installing Debian\'s chromium for the dashboard browser tests (first run only)...\n');
  if (!run('apt-get', ['update', '-qq']) || !run('apt-get', ['install', '-y', '-qq', 'chromium'])) {
    throw new Error('apt-get could not install chromium');
  }
  if (!fs.existsSync(CHROMIUM)) throw new Error(`chromium installed but ${CHROMIUM} is not there`);
  return CHROMIUM;
}

module.exports = { ensureChromium, CHROMIUM };

if (require.main === module) {
  try {
    console.log(ensureChromium());
  } catch (err) {
    process.stderr.write(`[chromium] ${err.message}\n`);
    process.exit(1);
  }
}

#!/usr/bin/env node
'use strict';
/*
 * The alert rules in deploy/observability/ are checked with `promtool check rules` and `promtool test
 * rules` (test/observability). promtool comes with Debian's `prometheus` package. When it is not
 * installed, this takes the package with `apt-get download` and unpacks it into
 * ~/.cache/sourcehub/prometheus-deb (dpkg-deb -x): promtool is one static binary, and installing the
 * package would also start a Prometheus server on port 9090 where nothing stops it (containers).
 *
 *   node scripts/ensure-promtool.js      fetch if missing, print the path
 *   require('./ensure-promtool').ensurePromtool()
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const INSTALLED = '/usr/bin/promtool';
const CACHE = path.join(os.homedir(), '.cache', 'sourcehub', 'prometheus-deb');
const UNPACKED = path.join(CACHE, 'root', 'usr', 'bin', 'promtool');

function run(cmd, args, cwd) {
  process.stderr.write(`[promtool] ${cmd} ${args.join(' ')}\n`);
  return spawnSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
}

function ensurePromtool() {
  if (fs.existsSync(INSTALLED)) return INSTALLED;
  if (fs.existsSync(UNPACKED)) return UNPACKED;
  const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
  if (!has('apt-get') || !has('dpkg-deb')) {
    throw new Error(`promtool is missing and cannot be fetched here (needs apt-get and dpkg-deb): install Debian's "prometheus" package`);
  }
  process.stderr.write("[promtool] fetching Debian's prometheus package for promtool (first run only)...\n");
  fs.mkdirSync(CACHE, { recursive: true });
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  // The package lists may be empty on a fresh machine: refresh them (root only) and try again.
  const downloaded = run('apt-get', ['download', '-qq', 'prometheus'], CACHE) || (isRoot && run('apt-get', ['update', '-qq']) && run('apt-get', ['download', '-qq', 'prometheus'], CACHE));
  const deb = fs.readdirSync(CACHE).find((f) => /^prometheus_.*\.deb$/.test(f));
  if (!downloaded || !deb) throw new Error('apt-get could not download the prometheus package');
  if (!run('dpkg-deb', ['-x', deb, 'root'], CACHE) || !fs.existsSync(UNPACKED)) throw new Error(`could not unpack promtool from ${deb}`);
  fs.rmSync(path.join(CACHE, deb));
  return UNPACKED;
}

module.exports = { ensurePromtool };

if (require.main === module) {
  try {
    console.log(ensurePromtool());
  } catch (err) {
    process.stderr.write(`[promtool] ${err.message}\n`);
    process.exit(1);
  }
}

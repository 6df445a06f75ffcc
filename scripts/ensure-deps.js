'use strict';
// Installs the npm dependencies when they are missing or older than the lockfile, so `npm start`
// and `npm test` work on a fresh clone. `npm ci` on CI (exact lockfile), `npm install` elsewhere.
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const REPO = path.resolve(__dirname, '..');

function ensureDeps() {
  const marker = path.join(REPO, 'node_modules', '.package-lock.json');
  const lock = path.join(REPO, 'package-lock.json');
  const fresh = fs.existsSync(marker) && fs.statSync(marker).mtimeMs >= fs.statSync(lock).mtimeMs;
  if (fresh) return;
  const args = process.env.CI ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
  process.stderr.write(`[deps] npm ${args[0]} (first run or changed lockfile)...\n`);
  const result = spawnSync('npm', args, { cwd: REPO, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write('[deps] npm failed: check the npm registry is reachable, then run `npm install` by hand to see why.\n');
    process.exit(result.status ?? 1);
  }
}

module.exports = { ensureDeps, REPO };

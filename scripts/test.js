#!/usr/bin/env node
'use strict';
/*
 * `npm test`: installs what is missing, type-checks, builds the services, brings up the local
 * Kafka and PostgreSQL (unless already running), runs the unit then the integration suites, and
 * prints one closing line "tests: N passed, N failed". Infrastructure this run started is stopped
 * again at the end; infrastructure that was already running is left running.
 *
 *   npm test                       everything (type-check, lint, unit, build, integration)
 *   npm test -- unit               unit suites only (no infrastructure)
 *   npm test -- integration [path] integration suites (optionally one path pattern)
 */
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { ensureDeps, REPO } = require('./ensure-deps');

const JEST = path.join(REPO, 'node_modules', 'jest', 'bin', 'jest.js');
const REPORTS = path.join(REPO, '.infra', 'reports');

function run(cmd, args, env = process.env) {
  const result = spawnSync(cmd, args, { cwd: REPO, stdio: 'inherit', env });
  return result.status ?? 1;
}

// --forceExit on the integration run: its 55 files share one process (--runInBand), and one handle left
// open by any of them (a client's socket, a timer) kept jest alive after its summary until CI's 90-minute
// limit. The report file and the exit status are written before jest exits, so nothing is lost.
function jest(project, extra, env) {
  fs.mkdirSync(REPORTS, { recursive: true });
  const report = path.join(REPORTS, `jest-${project}.json`);
  fs.rmSync(report, { force: true });
  const args = [JEST, '--selectProjects', project, '--json', `--outputFile=${report}`, ...(project === 'integration' ? ['--runInBand', '--forceExit'] : []), ...extra];
  const status = run(process.execPath, args, env);
  let passed = 0;
  let failed = 0;
  if (fs.existsSync(report)) {
    const r = JSON.parse(fs.readFileSync(report, 'utf8'));
    passed = r.numPassedTests;
    failed = r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
  } else failed = 1;
  return { status, passed, failed };
}

async function main() {
  const [what = 'all', ...extra] = process.argv.slice(2);
  const t0 = Date.now();
  ensureDeps();

  const totals = { passed: 0, failed: 0 };
  let status = 0;
  const add = (r) => {
    totals.passed += r.passed;
    totals.failed += r.failed;
    if (r.status !== 0) status = r.status || 1;
  };

  if (what === 'all' || what === 'unit') {
    if (what === 'all') {
      process.stderr.write('[test] type-checking...\n');
      if (run(process.execPath, [path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--noEmit']) !== 0) {
        process.stderr.write('[test] type errors: fix them first.\n');
        process.exit(1);
      }
      process.stderr.write('[test] linting (npm run lint)...\n');
      if (run(process.execPath, [path.join(REPO, 'node_modules', 'eslint', 'bin', 'eslint.js'), '.']) !== 0) {
        process.stderr.write('[test] lint errors: fix them first (npx eslint --fix . fixes some).\n');
        process.exit(1);
      }
    }
    add(jest('unit', what === 'unit' ? extra : []));
  }

  if (what === 'all' || what === 'integration') {
    process.stderr.write('[test] building the services (integration tests run them as processes too)...\n');
    if (run('npm', ['run', '-s', 'build']) !== 0) process.exit(1);
    const infra = require('./infra');
    const before = await infra.status().catch(() => null);
    const wasRunning = Boolean(before && before.kafka && before.kafka.healthy && before.postgres && before.postgres.healthy);
    require('./ensure-chromium').ensureChromium();
    require('./ensure-promtool').ensurePromtool();
    const env = await infra.up();
    try {
      add(jest('integration', what === 'integration' ? extra : [], { ...process.env, ...env }));
    } finally {
      if (!wasRunning && !process.env.KEEP_INFRA) await infra.down({ wipe: false });
    }
  }

  process.stderr.write(`[test] finished in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  // The one closing line CI reads.
  console.log(`tests: ${totals.passed} passed, ${totals.failed} failed`);
  process.exit(status !== 0 || totals.failed > 0 ? 1 : 0);
}

main().catch((err) => {
  process.stderr.write(`[test] ${err.stack || err}\n`);
  console.log('tests: 0 passed, 1 failed');
  process.exit(1);
});

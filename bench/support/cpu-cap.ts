/*
 * A CPU budget per service process for the scaling scenarios. On one machine every instance shares the
 * same cores, so adding instances measures how the cores are shared, not how the work spreads. Giving
 * each instance a fixed share of a core (a cgroup CPU quota, as a container's CPU limit would) makes
 * each instance a small machine of its own: N instances then have N times the CPU, and the speedup
 * shows whether the partitions and the work spread evenly. Needs root and the cgroup cpu controller;
 * where either is missing the scenario says so and runs uncapped.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const V1_ROOT = '/sys/fs/cgroup/cpu';
const V2_ROOT = '/sys/fs/cgroup';
const PERIOD_US = 100_000;
const GROUP = 'sourcehub-bench';

type Layout = { kind: 'v1' | 'v2'; parent: string };

function layout(): Layout | string {
  if (process.getuid?.() !== 0) return 'not running as root';
  if (existsSync(path.join(V1_ROOT, 'cpu.cfs_quota_us'))) return { kind: 'v1', parent: path.join(V1_ROOT, GROUP) };
  const controllers = path.join(V2_ROOT, 'cgroup.controllers');
  if (existsSync(controllers) && readFileSync(controllers, 'utf8').split(/\s+/).includes('cpu')) return { kind: 'v2', parent: path.join(V2_ROOT, GROUP) };
  return 'no cgroup cpu controller (v1 at /sys/fs/cgroup/cpu or v2 with cpu in cgroup.controllers)';
}

/** Why CPU caps cannot be applied here, or null when they can. */
export function cpuCapUnavailable(): string | null {
  const l = layout();
  return typeof l === 'string' ? l : null;
}

/**
 * Moves `pid` into a cgroup of its own limited to `cores` (e.g. 0.3 = 30 ms of CPU per 100 ms).
 * Returns a function that removes the cgroup once the process has exited.
 */
export function capCpu(pid: number, cores: number, name: string): () => void {
  const l = layout();
  if (typeof l === 'string') throw new Error(`cannot cap CPU: ${l}`);
  const dir = path.join(l.parent, name);
  mkdirSync(dir, { recursive: true });
  if (l.kind === 'v2') {
    // v2 needs the cpu controller enabled for the children of every level above.
    for (const level of [V2_ROOT, l.parent]) writeFileSync(path.join(level, 'cgroup.subtree_control'), '+cpu');
    writeFileSync(path.join(dir, 'cpu.max'), `${Math.round(cores * PERIOD_US)} ${PERIOD_US}`);
  } else {
    writeFileSync(path.join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
    writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), String(Math.round(cores * PERIOD_US)));
  }
  writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
  return () => {
    try {
      rmdirSync(dir);
    } catch {
      // still has a process (not yet reaped): the empty cgroup costs nothing and the next run reuses the name
    }
  };
}

/* CPU used by a process and by the whole machine, from /proc (Linux), for the benchmarks' cost numbers. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** CPU-seconds a process has used so far (user + system), from /proc. */
export function cpuSeconds(pid: number): number {
  return processSeconds(pid, false);
}

/**
 * A process's or thread's /proc stat line: its name and the fields after "pid (comm) ". The name may hold spaces and
 * parentheses (a JVM thread's does), so it ends at the last ")".
 */
function readStat(path: string): { comm: string; fields: string[] } {
  const stat = readFileSync(path, 'utf8');
  return { comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), fields: stat.slice(stat.lastIndexOf(')') + 2).split(' ') };
}

/** With `exitedChildren`, also the time of its children that have exited (PostgreSQL's backends come and go). */
function processSeconds(pid: number, exitedChildren: boolean): number {
  const { fields } = readStat(`/proc/${pid}/stat`);
  // After "pid (comm) ", utime, stime, cutime and cstime are 0-based fields 11-14, in clock ticks (100/s on Linux).
  const own = Number(fields[11]) + Number(fields[12]);
  return (exitedChildren ? own + Number(fields[13]) + Number(fields[14]) : own) / 100;
}

/** The processes on this machine: pid, parent pid and command line, from /proc. */
function processes(): Array<{ pid: number; ppid: number; cmdline: string }> {
  const found: Array<{ pid: number; ppid: number; cmdline: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readStat(`/proc/${entry}/stat`).fields[1]);
      found.push({ pid: Number(entry), ppid, cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    } catch {
      // gone between the listing and the read
    }
  }
  return found;
}

type Counted = { pid: number; children: boolean };

/** CPU-seconds so far of each thread of `pid` whose name matches `name`, by thread id; none when the process is gone. */
function threadSeconds(pid: number, name: RegExp): Map<number, number> {
  const seconds = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return seconds;
  }
  for (const tid of tids) {
    try {
      const { comm, fields } = readStat(`/proc/${pid}/task/${tid}/stat`);
      if (!name.test(comm)) continue;
      seconds.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return seconds;
}

/** The JVM's JIT compiler threads ("C1 CompilerThre", "C2 CompilerThre": names are cut at 15 characters). */
const JIT_THREAD = /^C\d CompilerThre/;

/** CPU-seconds a set of processes has used so far; a process that is gone counts 0. */
function groupCpuSeconds(members: readonly Counted[]): number {
  let total = 0;
  for (const { pid, children } of members) {
    try {
      total += processSeconds(pid, children);
    } catch {
      // exited: a PostgreSQL backend's time is in the postmaster's children time from then on
    }
  }
  return total;
}

/**
 * Cores used by each part of the stack between `start()` and `read()`: the local infrastructure's broker(s) and
 * PostgreSQL (its processes at `start()`, and any backend that exited meanwhile through the postmaster's children
 * time; a backend started meanwhile and still running is missed, the pools' connections are open by then), and each
 * named service. Says where the stack's CPU goes. Infrastructure of another INFRA_DIR (a test run beside) is not counted.
 */
export class ProcessCpu {
  private readonly groups: Array<{ name: string; members: Counted[]; before: number }>;
  /** The broker's JIT threads at `start()`: they take most of its CPU for minutes after a restart (decision 0036). */
  private readonly brokerJit: { pid: number; before: Map<number, number> } | null;
  private readonly at = Date.now();

  private constructor(services: ReadonlyArray<{ name: string; pid: number }>) {
    const infraDir = process.env.INFRA_DIR ? resolve(process.env.INFRA_DIR) : join(process.cwd(), '.infra');
    const all = processes();
    const ours = all.filter((p) => p.cmdline.includes(`${infraDir}/`));
    const postmasters = ours.filter((p) => /postgres\s/.test(p.cmdline)).map((p) => p.pid);
    const groups = [
      { name: 'kafka', members: ours.filter((p) => p.cmdline.includes('kafka.Kafka')).map((p) => ({ pid: p.pid, children: false })) },
      {
        name: 'postgres',
        members: [
          ...postmasters.map((pid) => ({ pid, children: true })),
          ...all.filter((p) => postmasters.includes(p.ppid)).map((p) => ({ pid: p.pid, children: false })),
        ],
      },
      ...services.map((s) => ({ name: s.name, members: [{ pid: s.pid, children: false }] })),
    ];
    this.groups = groups.map((g) => ({ ...g, before: groupCpuSeconds(g.members) }));
    const brokers = groups.find((g) => g.name === 'kafka')!.members;
    const broker = brokers.length === 1 ? brokers[0].pid : null;
    this.brokerJit = broker === null ? null : { pid: broker, before: threadSeconds(broker, JIT_THREAD) };
  }

  static start(services: ReadonlyArray<{ name: string; pid: number }>): ProcessCpu {
    return new ProcessCpu(services);
  }

  /**
   * Cores per part, rounded to 0.001 (idle parts use a few thousandths). `kafkaJit`, with one broker, is the part of
   * `kafka` its JIT compilers used (a compiler thread that ended meanwhile is missed): a high share says the broker
   * was still warming up and its cost in this phase is not its settled cost.
   */
  read(): Record<string, number> {
    const seconds = Math.max(0.001, (Date.now() - this.at) / 1000);
    const cores = (cpuSeconds: number): number => Math.round((1000 * cpuSeconds) / seconds) / 1000;
    const parts: Record<string, number> = Object.fromEntries(this.groups.map((g) => [g.name, cores(groupCpuSeconds(g.members) - g.before)]));
    if (!this.brokerJit) return parts;
    let jit = 0;
    for (const [tid, now] of threadSeconds(this.brokerJit.pid, JIT_THREAD)) jit += now - (this.brokerJit.before.get(tid) ?? 0);
    return { kafka: parts.kafka, kafkaJit: cores(jit), ...parts };
  }
}

/** Jiffies of the whole machine so far, busy and total, from /proc/stat (iowait counts as idle). */
export function machineCpu(): { busy: number; total: number } {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const n = ticks.map(Number);
  const total = n.reduce((a, b) => a + b, 0);
  return { busy: total - n[3] - n[4], total };
}

/** Share of the machine's CPU used between two `machineCpu()` readings, in percent. */
export const busyPercent = (a: { busy: number; total: number }, b: { busy: number; total: number }): number =>
  Math.round((100 * (b.busy - a.busy)) / Math.max(1, b.total - a.total));

/**
 * CPU used by the stack (services, Kafka, PostgreSQL: the whole machine less this process, which
 * runs the load generator and the receiver) between `start()` and `read()`.
 */
export class StackCpu {
  private machine = machineCpu();
  private own = process.cpuUsage();
  private at = Date.now();

  static start(): StackCpu {
    return new StackCpu();
  }

  read(): { cpuSeconds: number; cores: number; seconds: number } {
    const machine = machineCpu();
    const own = process.cpuUsage(this.own);
    // /proc/stat counts in clock ticks of 1/100 s on Linux.
    const cpuSeconds = Math.max(0, (machine.busy - this.machine.busy) / 100 - (own.user + own.system) / 1e6);
    const seconds = (Date.now() - this.at) / 1000;
    return { cpuSeconds, cores: cpuSeconds / seconds, seconds };
  }
}

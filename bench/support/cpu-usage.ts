/* CPU used by a process and by the whole machine, from /proc (Linux), for the benchmarks' cost numbers. */
import { readFileSync } from 'node:fs';

/** CPU-seconds a process has used so far (user + system), from /proc. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // After "pid (comm) ", utime and stime are fields 12 and 13 (0-based 11, 12), in clock ticks (100/s on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
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

import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * When a restarted broker can serve consumer groups and transactions again. Accepting connections
 * (what `infra.js` waits for) comes first; the group and transaction coordinators then load their
 * state from __consumer_offsets and __transaction_state, answering "coordinator is loading" until
 * done — on a busy 2-core machine that took up to 20 s more. No client can rejoin its group before,
 * so the services' reconnect time is also measured from this moment. Read from the broker's own log.
 */
export class BrokerLogWatch {
  private readonly logFile: string;
  private position: number;
  private partial = '';
  private readonly partitions: { groups: number; transactions: number };
  private readonly loaded = { groups: new Set<string>(), transactions: new Set<string>() };

  /** Call before starting the broker: only what it logs from then on counts. */
  constructor(infraDir: string) {
    this.logFile = path.join(infraDir, 'kafka', 'kafka.log');
    this.position = size(this.logFile);
    const props = readText(path.join(infraDir, 'kafka', 'server.properties'));
    const setting = (name: string) => Number(new RegExp(`^${name.replace(/\./g, '\\.')}=(\\d+)`, 'm').exec(props)?.[1] ?? 50);
    this.partitions = { groups: setting('offsets.topic.num.partitions'), transactions: setting('transaction.state.log.num.partitions') };
  }

  /** Resolves with the time every coordinator partition had loaded, or null after `timeoutMs`. */
  async coordinatorsLoaded(timeoutMs: number): Promise<number | null> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const line of this.newLines()) {
        const group = /Finished loading of metadata from __consumer_offsets-(\d+)/.exec(line);
        if (group) this.loaded.groups.add(group[1]);
        const txn = /Completed loading transaction metadata from __transaction_state-(\d+)/.exec(line);
        if (txn) this.loaded.transactions.add(txn[1]);
      }
      if (this.loaded.groups.size >= this.partitions.groups && this.loaded.transactions.size >= this.partitions.transactions) return Date.now();
      await new Promise((r) => setTimeout(r, 200));
    }
    return null;
  }

  private newLines(): string[] {
    const end = size(this.logFile);
    if (end <= this.position) return [];
    const fd = openSync(this.logFile, 'r');
    const buf = Buffer.alloc(end - this.position);
    try {
      readSync(fd, buf, 0, buf.length, this.position);
    } finally {
      closeSync(fd);
    }
    this.position = end;
    const lines = (this.partial + buf.toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    return lines;
  }
}

function size(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

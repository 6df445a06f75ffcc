import { build, Histogram } from 'hdr-histogram-js';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceiverBehaviour {
  /** Milliseconds before answering. */
  latencyMs?: number;
  /** Paths (endpoint ids) that never answer: a dead endpoint. */
  deadPaths?: Set<string>;
}

/**
 * The benchmark's receiver: answers 200 (after `latencyMs`), counts distinct `webhook-id`s per
 * path for the ledger, and records event-to-receipt latency (from the event's `occurredAt`,
 * which the load generator sets to the scheduled publish time) in an HDR histogram.
 */
export class BenchReceiver {
  readonly latency: Histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000, numberOfSignificantValueDigits: 3 });
  readonly idsByPath = new Map<string, Set<string>>();
  readonly lastReceiptByPath = new Map<string, number>();
  /** Every request per path, duplicates included (chaos: duplicates per endpoint). */
  readonly requestsByPath = new Map<string, number>();
  /** When each `webhook-id` first arrived (chaos: recovery times). */
  readonly firstReceiptById = new Map<string, number>();
  requests = 0;
  private server: Server;

  constructor(private readonly behaviour: ReceiverBehaviour = {}) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const path = req.url ?? '/';
      if (this.behaviour.deadPaths?.has(path)) {
        req.resume(); // never answer: the delivery service must time out
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const now = Date.now();
        this.requests++;
        this.requestsByPath.set(path, (this.requestsByPath.get(path) ?? 0) + 1);
        const id = String(req.headers['webhook-id']);
        let ids = this.idsByPath.get(path);
        if (!ids) this.idsByPath.set(path, (ids = new Set()));
        if (!ids.has(id)) {
          ids.add(id);
          this.firstReceiptById.set(id, now);
          const occurredAt = Date.parse((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { occurredAt: string }).occurredAt);
          this.latency.recordValue(Math.max(1, now - occurredAt));
        }
        this.lastReceiptByPath.set(path, now);
        const answer = () => res.writeHead(200).end();
        if (this.behaviour.latencyMs) setTimeout(answer, this.behaviour.latencyMs);
        else answer();
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  distinct(paths?: readonly string[]): number {
    let n = 0;
    for (const [path, ids] of this.idsByPath) if (!paths || paths.includes(path)) n += ids.size;
    return n;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

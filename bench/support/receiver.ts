import { build, Histogram } from 'hdr-histogram-js';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceiverBehaviour {
  /** Milliseconds before answering. */
  latencyMs?: number;
  /** Paths (endpoint ids) that never answer: a dead endpoint. */
  deadPaths?: Set<string>;
  /**
   * Answer 500 to the first request of every webhook-id and 200 to the next, recording how late
   * the second came after `retryAfterMs` (the first retry tier) in `retryLateness`.
   */
  failFirstAttempt?: { retryAfterMs: number };
}

const histogram = () => build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000, numberOfSignificantValueDigits: 3 });

/**
 * The benchmark's receiver: answers 200 (after `latencyMs`), keeps the ledger (distinct
 * `webhook-id`s and event ids per path), and records event-to-receipt latency (from the event's
 * `occurredAt`, which the load generator sets to the scheduled publish time, so a stalled pipeline
 * shows up as latency: no coordinated omission) in an HDR histogram.
 */
export class BenchReceiver {
  readonly latency: Histogram = histogram();
  /** Second attempt's arrival minus (first attempt's arrival + first retry tier), in ms (>= 1). */
  readonly retryLateness: Histogram = histogram();
  /** Second attempts that came before the first tier was over (must stay 0). */
  retriesEarly = 0;
  readonly idsByPath = new Map<string, Set<string>>();
  readonly eventIdsByPath = new Map<string, Set<string>>();
  readonly firstReceiptByPath = new Map<string, number>();
  readonly lastReceiptByPath = new Map<string, number>();
  private readonly firstAttemptAt = new Map<string, number>();
  /** Every request per path, duplicates included (chaos: duplicates per endpoint). */
  readonly requestsByPath = new Map<string, number>();
  /** When each `webhook-id` first arrived (chaos: recovery times). */
  readonly firstReceiptById = new Map<string, number>();
  requests = 0;
  private server: Server;

  constructor(private readonly behaviour: ReceiverBehaviour = {}) {}

  /** First attempts per second (failFirstAttempt) from the first to the last that came after `since` (epoch ms). */
  firstAttemptRate(since: number): number {
    const times = [...this.firstAttemptAt.values()].filter((t) => t >= since);
    if (times.length < 2) return 0;
    const [first, last] = [Math.min(...times), Math.max(...times)];
    return (times.length - 1) / Math.max(0.001, (last - first) / 1000);
  }

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
        const retry = this.behaviour.failFirstAttempt;
        if (retry) {
          const first = this.firstAttemptAt.get(id);
          if (first === undefined) {
            this.firstAttemptAt.set(id, now);
            res.writeHead(500).end();
            return;
          }
          const late = now - (first + retry.retryAfterMs);
          if (late < 0) this.retriesEarly++;
          else this.retryLateness.recordValue(Math.max(1, late));
        }
        let ids = this.idsByPath.get(path);
        if (!ids) this.idsByPath.set(path, (ids = new Set()));
        if (!ids.has(id)) {
          ids.add(id);
          this.firstReceiptById.set(id, now);
          const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; occurredAt: string };
          let events = this.eventIdsByPath.get(path);
          if (!events) this.eventIdsByPath.set(path, (events = new Set()));
          events.add(event.id);
          this.latency.recordValue(Math.max(1, now - Date.parse(event.occurredAt)));
        }
        if (!this.firstReceiptByPath.has(path)) this.firstReceiptByPath.set(path, now);
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

  /** Distinct deliveries (webhook-ids) received, on every path or on `paths`. */
  distinct(paths?: readonly string[]): number {
    let n = 0;
    for (const [path, ids] of this.idsByPath) if (!paths || paths.includes(path)) n += ids.size;
    return n;
  }

  /**
   * The run's ledger: every path must have received exactly the published events routed to it.
   * `published` maps each path to the event ids sent its way. Received ids nobody published
   * (`unknown`) make the run void as surely as missing ones.
   */
  ledger(published: ReadonlyMap<string, readonly string[]>): Ledger {
    let expected = 0;
    let received = 0;
    let unknown = 0;
    for (const [path, ids] of published) {
      expected += ids.length;
      const got = this.eventIdsByPath.get(path) ?? new Set<string>();
      const wanted = new Set(ids);
      for (const id of got) if (wanted.has(id)) received++;
      else unknown++;
    }
    for (const [path, got] of this.eventIdsByPath) if (!published.has(path)) unknown += got.size;
    const missing = expected - received;
    return { published: expected, received, missing, unknown, duplicates: this.requests - this.distinct() - this.firstAttemptAt.size, balanced: missing === 0 && unknown === 0 };
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Published deliveries against what the receiver got; a run is void unless it balances. */
export interface Ledger {
  published: number;
  received: number;
  missing: number;
  unknown: number;
  /** Requests beyond one per delivery and beyond the deliberately failed first attempts (firstAttemptAt is empty otherwise). */
  duplicates: number;
  balanced: boolean;
}

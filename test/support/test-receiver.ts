import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  receivedAt: number;
}

/** How the receiver answers the n-th request (0-based); default 200. */
export type Responder = (n: number, req: ReceivedRequest, res: ServerResponse) => void | Promise<void>;

/**
 * A real HTTP server on 127.0.0.1 standing in for an organization's webhook receiver.
 * It records every request with its raw body, so tests can verify the exact bytes and signature.
 */
export class TestReceiver {
  readonly requests: ReceivedRequest[] = [];
  private server: Server;
  private waiters: Array<() => void> = [];

  constructor(private responder: Responder = (_n, _req, res) => void res.writeHead(200).end('ok')) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const received: ReceivedRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          receivedAt: Date.now(),
        };
        const n = this.requests.push(received) - 1;
        for (const wake of this.waiters.splice(0)) wake();
        void this.responder(n, received, res);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  respondWith(responder: Responder): void {
    this.responder = responder;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks`;
  }

  /** Resolves once `count` requests have arrived; fails after `timeoutMs`. */
  async waitFor(count: number, timeoutMs = 30_000): Promise<ReceivedRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`receiver got ${this.requests.length} of ${count} requests in ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.requests.slice(0, count);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Answers 500 to the first call of each delivery (per path and `webhook-id`) and 200 to its retry, for the
 * paths `failsFirst` chooses (all by default); 200 to the rest.
 */
export function failingFirstCall(failsFirst: (path: string) => boolean = () => true): Responder {
  const seen = new Set<string>();
  return (_n, req, res) => {
    const key = `${req.path}|${String(req.headers['webhook-id'])}`;
    const first = !seen.has(key);
    seen.add(key);
    res.writeHead(first && failsFirst(req.path) ? 500 : 200).end();
  };
}

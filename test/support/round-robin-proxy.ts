import { createServer, request, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A loopback HTTP load balancer in front of several admin API instances: each request goes to the next
 * one in turn (streams included, piped as they come), so a client cannot count on reaching the instance
 * it talked to before. `hits` counts requests per target and path, to show where each one landed.
 */
export class RoundRobinProxy {
  private server: Server;
  private next = 0;
  readonly hits: Array<{ target: string; method: string; path: string }> = [];

  constructor(private targets: string[]) {}

  /** Takes an instance out of the rotation, as a load balancer's health check would when it stops. */
  remove(target: string): void {
    this.targets = this.targets.filter((t) => new URL(t).origin !== new URL(target).origin);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const target = new URL(this.targets[this.next++ % this.targets.length]);
      this.hits.push({ target: target.origin, method: req.method ?? '', path: req.url ?? '' });
      const upstream = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
      res.on('close', () => upstream.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

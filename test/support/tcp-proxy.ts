import { createConnection, createServer, Server, Socket } from 'node:net';
import { AddressInfo } from 'node:net';

/**
 * A loopback TCP proxy to put between a service and a dependency (PostgreSQL) so a test can make
 * the dependency unreachable for that service alone, without stopping the shared one. `cut()`
 * resets every open connection and every new one (what a client sees when the server is down);
 * `restore()` forwards again.
 */
export class TcpProxy {
  private server: Server;
  private readonly sockets = new Set<Socket>();
  private cutOff = false;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  cut(): void {
    this.cutOff = true;
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
  }

  restore(): void {
    this.cutOff = false;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.cutOff) {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ]) {
      this.sockets.add(a);
      a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.sockets.delete(a);
        b.destroy();
      });
    }
  }
}

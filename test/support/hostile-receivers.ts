import { createServer, Server, Socket } from 'node:net';
import { AddressInfo } from 'node:net';

/** The ways a webhook receiver can misbehave that the delivery service must survive. */
export type HostileKind = 'flapping' | 'hanging' | 'resetting' | 'trickling' | 'huge-body' | 'huge-headers' | 'binary-body';

const MB = 1024 * 1024;
const TRICKLE_INTERVAL_MS = 50;

/**
 * A receiver that speaks (or breaks) HTTP/1.1 by hand on a raw socket, so it can do what no well-behaved
 * server library would: reset mid-response, trickle bytes forever, stream 200 MB, send a gigantic
 * Content-Length or megabytes of headers. Each connection picks its misbehaviour in turn (the n-th
 * request gets variant n mod k), so every variant is met under load. It answers as soon as the request
 * starts to arrive and never reads it as a whole.
 */
export class HostileReceiver {
  requests = 0;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server: Server;

  constructor(readonly kind: HostileKind) {
    this.server = createServer((socket) => this.accept(socket));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/${this.kind}`;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined); // the sender hangs up on us: expected
    if (this.kind === 'resetting' && this.requests++ % 2 === 0) {
      socket.resetAndDestroy(); // at accept, before any byte of the request is read
      return;
    }
    // Keep-alive: every request on the connection is answered (or not) in turn.
    socket.on('data', (chunk) => {
      if (/^(POST|GET) /.test(chunk.toString('latin1', 0, 5))) this.answer(socket, this.kind === 'resetting' ? 0 : this.requests++);
    });
  }

  private answer(socket: Socket, n: number): void {
    switch (this.kind) {
      case 'flapping':
        if (n % 3 === 0) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
        else if (n % 3 === 1) socket.write('HTTP/1.1 500 Internal Server Error\r\ncontent-length: 4\r\n\r\nboom');
        else socket.resetAndDestroy();
        return;
      case 'hanging':
        return; // accepted, read, never answered
      case 'resetting':
        // Mid-response: a status line, part of the body, then a reset.
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\npartial', () => socket.resetAndDestroy());
        return;
      case 'trickling':
        this.trickle(socket, n % 2 === 0 ? `HTTP/1.1 200 OK\r\nx-slow: ${'s'.repeat(MB)}` : null);
        return;
      case 'huge-body':
        if (n % 2 === 0) this.stream(socket, 'HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain\r\n\r\n', 200 * MB);
        else socket.write('HTTP/1.1 500 Internal Server Error\r\ncontent-length: 1000000000000\r\n\r\nhello'); // and nothing more
        return;
      case 'huge-headers':
        if (n % 3 === 0) socket.write(`HTTP/1.1 200 OK\r\nx-big: ${'h'.repeat(MB)}\r\n\r\n`);
        else if (n % 3 === 1) socket.write(`HTTP/1.1 200 OK\r\n${'x-many: v\r\n'.repeat(10_000)}content-length: 0\r\n\r\n`);
        else this.stream(socket, 'HTTP/1.1 200 OK\r\n', 200 * MB, 'x-endless: header line\r\n');
        return;
      case 'binary-body': {
        // NUL bytes, invalid UTF-8 and a cut multi-byte sequence: what a crashed receiver may spit out.
        const body = Buffer.concat([Buffer.from('err\u0000'), Buffer.from([0xff, 0xfe, 0x00, 0xc3]), Buffer.alloc(2000, 0), Buffer.from([0xe2, 0x82])]);
        socket.write(`HTTP/1.1 500 Internal Server Error\r\ncontent-length: ${body.length}\r\n\r\n`);
        socket.write(body);
        return;
      }
    }
  }

  /** Headers (given) then the body, or the status line and headers themselves, one byte at a time, forever. */
  private trickle(socket: Socket, head: string | null): void {
    const text = head ?? 'b';
    if (head === null) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\n');
    let i = 0;
    const timer = setInterval(() => {
      if (socket.destroyed) {
        clearInterval(timer);
        this.timers.delete(timer);
        return;
      }
      socket.write(text[i++ % text.length]);
    }, TRICKLE_INTERVAL_MS);
    this.timers.add(timer);
  }

  /** Writes `head`, then `filler` repeatedly (backpressure honoured) until `bytes` are sent or the peer hangs up. */
  private stream(socket: Socket, head: string, bytes: number, filler = 'x'): void {
    const chunk = Buffer.from(filler.repeat(Math.ceil((64 * 1024) / filler.length)));
    let sent = 0;
    socket.write(head);
    const pump = (): void => {
      while (sent < bytes && !socket.destroyed) {
        sent += chunk.length;
        if (!socket.write(chunk)) {
          socket.once('drain', pump);
          return;
        }
      }
      if (!socket.destroyed) socket.end();
    };
    pump();
  }
}

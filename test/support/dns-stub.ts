import { createSocket, RemoteInfo, Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';

const TYPE_A = 1;
const TYPE_AAAA = 28;
const CLASS_IN = 1;
const RCODE_NXDOMAIN = 3;

export interface DnsQuery {
  name: string;
  type: number;
  at: number;
}

/**
 * A tiny authoritative DNS server on 127.0.0.1 (UDP, ephemeral port) for tests: answers A and AAAA
 * queries from a table the test changes at will (TTL 0, so nothing caches an answer), NXDOMAIN for
 * names it does not know. Lets a test make a name resolve to one address at registration and to
 * another at delivery (DNS rebinding) without touching /etc/hosts or the network.
 */
export class DnsStub {
  readonly queries: DnsQuery[] = [];
  private readonly records = new Map<string, string[]>();
  private socket: Socket | null = null;

  /** Sets the addresses (IPv4 and/or IPv6) `name` resolves to; an empty list answers NXDOMAIN. */
  answer(name: string, addresses: string[]): void {
    this.records.set(name.toLowerCase().replace(/\.$/, ''), addresses);
  }

  async start(): Promise<this> {
    const socket = createSocket('udp4');
    socket.on('message', (msg, peer) => this.reply(socket, msg, peer));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    this.socket = socket;
    return this;
  }

  /** `127.0.0.1:<port>`, the form DNS_SERVERS takes. */
  get server(): string {
    return `127.0.0.1:${this.socket?.address().port}`;
  }

  queriesFor(name: string): DnsQuery[] {
    return this.queries.filter((q) => q.name === name);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.socket ? this.socket.close(() => resolve()) : resolve()));
    this.socket = null;
  }

  private reply(socket: Socket, query: Buffer, peer: RemoteInfo): void {
    const question = parseQuestion(query);
    if (!question) return; // not a query we understand: stay silent, as a real server may
    this.queries.push({ name: question.name, type: question.type, at: Date.now() });
    const known = this.records.get(question.name);
    const rdata = (known ?? []).flatMap((address) => {
      if (question.type === TYPE_A && isIPv4(address)) return [Buffer.from(ipaddr.parse(address).toByteArray())];
      if (question.type === TYPE_AAAA && isIPv6(address)) return [Buffer.from(ipaddr.parse(address).toByteArray())];
      return [];
    });
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2); // id
    // QR, AA, RD copied from the query, RA; NXDOMAIN for an unknown name.
    const rd = query[2] & 0x01;
    header.writeUInt16BE(0x8400 | (rd << 8) | 0x0080 | (known && known.length > 0 ? 0 : RCODE_NXDOMAIN), 2);
    header.writeUInt16BE(1, 4); // one question
    header.writeUInt16BE(rdata.length, 6);
    const answers = rdata.map((data) => {
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0); // name: pointer to the question's name
      rr.writeUInt16BE(question.type, 2);
      rr.writeUInt16BE(CLASS_IN, 4);
      rr.writeUInt32BE(0, 6); // TTL 0: every lookup asks again
      rr.writeUInt16BE(data.length, 10);
      return Buffer.concat([rr, data]);
    });
    socket.send(Buffer.concat([header, query.subarray(12, question.end), ...answers]), peer.port, peer.address);
  }
}

function parseQuestion(msg: Buffer): { name: string; type: number; end: number } | null {
  if (msg.length < 12 || msg.readUInt16BE(4) < 1) return null;
  const labels: string[] = [];
  let at = 12;
  while (at < msg.length && msg[at] !== 0) {
    const length = msg[at];
    if (length > 63 || at + 1 + length > msg.length) return null;
    labels.push(msg.subarray(at + 1, at + 1 + length).toString('latin1'));
    at += 1 + length;
  }
  if (at + 5 > msg.length) return null;
  const type = msg.readUInt16BE(at + 1);
  return { name: labels.join('.').toLowerCase(), type, end: at + 5 };
}

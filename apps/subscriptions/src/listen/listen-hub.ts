import { BeforeApplicationShutdown, Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Kafka, KafkaMessage } from 'kafkajs';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { SubscriptionsConfig } from '@app/config';
import { decodeListenRequest, ListenRequest, Topics } from '@app/contracts';
import { APP_LOGGER, BroadcastReader, KAFKA } from '@app/messaging';
import { ListenSessionRepository } from '@app/persistence';
import { EndpointChangeRelay } from '../endpoints/endpoint-change-relay';
import { sseComment, sseEvent } from './sse';

interface Connection {
  organizationId: string;
  res: Response;
}

/** SSE comments keep proxies and the CLI from taking a quiet stream for a dead one. */
const KEEPALIVE_MS = 15_000;

/**
 * The listen sessions whose CLI is connected to this instance, and the work that keeps sessions honest
 * across instances: every instance reads every relayed request (only the holder passes it on), renews
 * the leases of the sessions it holds, and removes sessions whose lease ran out (the connection died,
 * or the instance that held it did), announcing it on the change topic like any endpoint deletion.
 */
@Injectable()
export class ListenHub implements OnModuleInit, BeforeApplicationShutdown {
  private readonly connections = new Map<string, Connection>();
  private readonly requests: BroadcastReader;
  private readonly graceMs: number;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(SubscriptionsConfig) config: SubscriptionsConfig,
    private readonly sessions: ListenSessionRepository,
    private readonly changes: EndpointChangeRelay,
  ) {
    // A relayed delivery waits on this hop: read as soon as anything arrives.
    this.requests = new BroadcastReader(kafka, { name: 'listen requests reader', topic: Topics.listenRequests, instanceId: config.INSTANCE_ID, logger });
    this.graceMs = config.LISTEN_SESSION_GRACE_SECONDS * 1000;
  }

  get leaseMs(): number {
    return this.graceMs;
  }

  async onModuleInit(): Promise<void> {
    await this.requests.start((m) => this.onRequest(m));
    // Renewing three times per grace period lets two renewals fail (a database blip) before a live session is lost.
    this.every(Math.max(500, this.graceMs / 3), () => this.renew());
    this.every(Math.max(500, this.graceMs / 2), () => this.reap());
    this.every(KEEPALIVE_MS, async () => {
      for (const { res } of this.connections.values()) res.write(sseComment('keepalive'));
    });
  }

  /**
   * Takes over the response as the session's event stream; a second connection to the same session
   * replaces the first. The lease is pushed before the stream opens, so a session is never reaped
   * between its `ready` and the next renewal, and the write is done by the time the client hears of it.
   */
  async attach(sessionId: string, organizationId: string, res: Response): Promise<boolean> {
    const [alive] = await this.sessions.renew([sessionId], new Date(Date.now() + this.graceMs));
    if (alive !== sessionId) return false;
    this.connections.get(sessionId)?.res.end(sseEvent('end', { reason: 'replaced by a newer connection to this session', reconnect: false }));
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', connection: 'keep-alive' });
    res.write(sseEvent('ready', { sessionId }));
    const connection: Connection = { organizationId, res };
    this.connections.set(sessionId, connection);
    res.on('close', () => {
      // Not deleted here: a CLI that reconnects within the grace period keeps its session and secret.
      if (this.connections.get(sessionId) === connection) this.connections.delete(sessionId);
    });
    return true;
  }

  /** Ends the stream of a session removed on purpose (its CLI asked, or its endpoint was deleted). */
  close(sessionId: string, reason: string, reconnect = false): void {
    const connection = this.connections.get(sessionId);
    this.connections.delete(sessionId);
    connection?.res.end(sseEvent('end', { reason, reconnect }));
  }

  private onRequest(message: KafkaMessage): void {
    const request = decodeListenRequest(message.value);
    if (!request) return;
    const connection = this.connections.get(request.sessionId);
    // Held by another instance (or by none: the delivery then times out and is retried per schedule).
    if (!connection || connection.organizationId !== request.organizationId) return;
    const forCli: Omit<ListenRequest, 'organizationId'> & { organizationId?: string } = { ...request };
    delete forCli.organizationId;
    connection.res.write(sseEvent('delivery', forCli));
  }

  private async renew(): Promise<void> {
    const held = [...this.connections.keys()];
    if (held.length === 0) return;
    const alive = new Set(await this.sessions.renew(held, new Date(Date.now() + this.graceMs)));
    for (const id of held) if (!alive.has(id)) this.close(id, 'the session was deleted');
  }

  private async reap(): Promise<void> {
    for (const gone of await this.sessions.reapExpired(new Date())) {
      this.logger.info({ sessionId: gone.id, organizationId: gone.organizationId }, 'listen session lost its connection for longer than the grace period; removed');
      // Its change notice went into the outbox with the deletion.
      this.changes.nudge();
    }
  }

  private every(ms: number, work: () => Promise<void>): void {
    const timer = setInterval(() => {
      work().catch((err: unknown) => this.logger.warn({ err }, 'listen session upkeep failed; trying again at the next tick'));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  // Before the HTTP server closes: it would wait for these never-ending responses.
  async beforeApplicationShutdown(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    // The CLI reconnects (to another instance) within the grace period and keeps its session.
    for (const id of [...this.connections.keys()]) this.close(id, 'the admin API instance is shutting down', true);
    await this.requests.stop();
  }
}

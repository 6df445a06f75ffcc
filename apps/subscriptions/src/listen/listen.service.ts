import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { Response } from 'express';
import { Kafka } from 'kafkajs';
import { ALL_EVENT_TYPES, DomainEvent, encodeListenMessage, exampleEventData, ListenReply, newId, Topics } from '@app/contracts';
import { SubscriptionsConfig } from '@app/config';
import { domainTopics, ensureTopics, KAFKA, KafkaProducer, withinDeadline } from '@app/messaging';
import { EndpointEntity, EventTypeRepository, ListenSessionRepository } from '@app/persistence';
import { generateSecret } from '@app/webhooks';
import { OrgAuth } from '../auth/auth.guards';
import { EndpointChangeRelay } from '../endpoints/endpoint-change-relay';
import { EndpointPartitions } from '../endpoints/endpoint-partitions';
import { ListenHub } from './listen-hub';
import { CreateListenSessionDto, ListenAnswerDto, ListenSessionDto, TriggeredEventDto, TriggerEventDto } from './listen.dto';

/**
 * `sourcehub-webhooks listen` and `trigger` (SPEC §11). A session is a temporary test-mode endpoint
 * of kind `cli`; everything about it is scoped to the caller's organization (another one's key gets
 * the 404 of a missing session).
 */
@Injectable()
export class ListenService {
  /** Domain topics known to exist, so only the first trigger of a type pays for the check. */
  private readonly topicsChecked = new Set<string>();

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(SubscriptionsConfig) private readonly config: SubscriptionsConfig,
    private readonly sessions: ListenSessionRepository,
    private readonly eventTypes: EventTypeRepository,
    private readonly hub: ListenHub,
    private readonly producer: KafkaProducer,
    private readonly changes: EndpointChangeRelay,
    private readonly partitions: EndpointPartitions,
  ) {}

  async create(auth: OrgAuth, dto: CreateListenSessionDto): Promise<ListenSessionDto> {
    const eventTypes = await this.knownTypes(dto.eventTypes ?? [ALL_EVENT_TYPES], 'eventTypes');
    const session = await this.sessions.create(auth.organizationId, {
      eventTypes,
      description: `sourcehub-webhooks listen${dto.forwardTo ? ` → ${dto.forwardTo}` : ''}`,
      secret: generateSecret(),
      // Until the CLI's stream connects and the holder renews it.
      expiresAt: new Date(Date.now() + this.hub.leaseMs),
    }, await this.partitions.deliveryPartitions());
    // The change notice is in the outbox (written with the session): fan-out and delivery reload the organization.
    await this.changes.relayNow();
    return toSessionDto(session);
  }

  /** Turns the response into the session's event stream (kept open until either side ends it). */
  async stream(auth: OrgAuth, id: string, res: Response): Promise<void> {
    await this.find(auth, id);
    // Deleted between the two statements (Ctrl-C racing a reconnect, or the reaper): as if never there.
    if (!(await this.hub.attach(id, auth.organizationId, res))) throw sessionNotFound(id);
  }

  /** Hands the CLI's answer to every delivery instance; the one waiting for that request id takes it. */
  async answer(auth: OrgAuth, id: string, dto: ListenAnswerDto): Promise<void> {
    await this.find(auth, id);
    const reply: ListenReply = {
      requestId: dto.requestId,
      organizationId: auth.organizationId,
      sessionId: id,
      outcome: dto.outcome,
      statusCode: dto.statusCode,
      durationMs: dto.durationMs,
      error: dto.error ?? null,
      responseExcerpt: dto.responseExcerpt ?? null,
    };
    await this.producer.send(Topics.listenReplies, [{ key: reply.requestId, value: encodeListenMessage(reply) }]);
  }

  async delete(auth: OrgAuth, id: string): Promise<void> {
    if (!(await this.sessions.delete(auth.organizationId, id))) throw sessionNotFound(id);
    this.hub.close(id, 'the session was deleted');
    await this.changes.relayNow();
  }

  /**
   * A test-mode event of `type` for the caller's organization, published on the type's domain topic
   * like a producer's: the fan-out logs it and routes it to every matching test endpoint (sessions included).
   */
  async trigger(auth: OrgAuth, dto: TriggerEventDto): Promise<TriggeredEventDto> {
    await this.knownTypes([dto.type], 'type');
    const event: DomainEvent = {
      id: newId('evt'),
      type: dto.type,
      organizationId: auth.organizationId,
      mode: 'test',
      occurredAt: new Date().toISOString(),
      // The catalog's example first (PUT /v1/event-types), then the built-in one of a seeded type, then {}.
      data: dto.data ?? (await this.eventTypes.findByName(dto.type))?.example ?? exampleEventData(dto.type),
    };
    // Both steps are bounded: with the broker away the caller gets 503 kafka_unavailable within seconds.
    await withinDeadline(this.ensureDomainTopic(dto.type), this.config.KAFKA_PUBLISH_TIMEOUT_MS, `confirm topic ${dto.type}`);
    await this.producer.send(dto.type, [{ key: auth.organizationId, value: JSON.stringify(event) }]);
    return { eventId: event.id, type: event.type, mode: 'test', data: event.data };
  }

  /**
   * The fan-out creates the catalog's topics at start and when it finds a new type; a type added to the
   * catalog a moment ago may not have one yet, and the producer would wait for it in vain.
   */
  private async ensureDomainTopic(type: string): Promise<void> {
    if (this.topicsChecked.has(type)) return;
    const layout = { partitions: this.config.KAFKA_TOPIC_PARTITIONS, replicationFactor: this.config.KAFKA_REPLICATION_FACTOR };
    await ensureTopics(this.kafka, domainTopics(layout, [type]));
    this.topicsChecked.add(type);
  }

  private async find(auth: OrgAuth, id: string): Promise<EndpointEntity> {
    const session = await this.sessions.find(auth.organizationId, id);
    if (!session) throw sessionNotFound(id);
    return session;
  }

  private async knownTypes(requested: string[], field: string): Promise<string[]> {
    if (requested.includes(ALL_EVENT_TYPES)) return [ALL_EVENT_TYPES];
    const unique = [...new Set(requested)];
    const unknown = await this.eventTypes.unknown(unique);
    if (unknown.length > 0) throw new BadRequestException([`${field} names unknown event types: ${unknown.join(', ')} (see GET /v1/event-types)`]);
    return unique;
  }
}

function sessionNotFound(id: string): NotFoundException {
  return new NotFoundException([`listen session ${id} not found`]);
}

function toSessionDto(e: EndpointEntity): ListenSessionDto {
  return { id: e.id, secret: e.secret, mode: 'test', eventTypes: e.eventTypes, expiresAt: (e.sessionExpiresAt ?? new Date()).toISOString() };
}

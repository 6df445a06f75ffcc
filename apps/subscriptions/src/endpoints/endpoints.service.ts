import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { ALL_EVENT_TYPES, isOperationalEventType, Mode } from '@app/contracts';
import { SubscriptionsConfig } from '@app/config';
import { EndpointChanges, EndpointEntity, EndpointRepository, EventTypeRepository, VersionedWrite } from '@app/persistence';
import { checkUrl, createHostResolver, generateSecret, HostResolver, parseAllowedNetworks, UrlPolicy } from '@app/webhooks';
import { OrgAuth } from '../auth/auth.guards';
import { EndpointPartitions } from './endpoint-partitions';
import { apiError } from '../common/api-error';
import { decodeCursor, Page, toPage } from '../common/pagination';
import { EndpointChangeRelay } from './endpoint-change-relay';
import { CreateEndpointDto, EndpointResponseDto, EndpointSecretDto, EndpointWithSecretDto, ListEndpointsQueryDto, UpdateEndpointDto } from './endpoint.dto';

@Injectable()
export class EndpointsService {
  private readonly policy: UrlPolicy;
  private readonly resolveHost: HostResolver;
  private readonly rotationOverlapMs: number;

  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly eventTypes: EventTypeRepository,
    private readonly changes: EndpointChangeRelay,
    private readonly partitions: EndpointPartitions,
    @Inject(SubscriptionsConfig) config: SubscriptionsConfig,
  ) {
    this.policy = {
      allowedPrivateNetworks: parseAllowedNetworks(config.WEBHOOK_ALLOWED_PRIVATE_NETWORKS),
      allowHttpInLive: config.WEBHOOK_ALLOW_HTTP_IN_LIVE,
    };
    // The same resolver the delivery service connects through (DNS_SERVERS), so both judge the same answers.
    this.resolveHost = createHostResolver(config.DNS_SERVERS);
    this.rotationOverlapMs = config.SECRET_ROTATION_OVERLAP_SECONDS * 1000;
  }

  async create(auth: OrgAuth, dto: CreateEndpointDto): Promise<EndpointWithSecretDto> {
    await this.assertUrlAllowed(dto.url, dto.mode);
    const eventTypes = await this.normaliseEventTypes(dto.eventTypes ?? [ALL_EVENT_TYPES]);
    const endpoint = await this.endpoints.create(auth.organizationId, {
      url: dto.url,
      mode: dto.mode,
      eventTypes,
      description: dto.description ?? '',
      headers: dto.headers ?? {},
      metadata: dto.metadata ?? {},
      filter: storedFilter(dto.filter),
      secret: generateSecret(),
      rateLimitPerSecond: dto.rateLimitPerSecond ?? null,
      ordering: dto.ordering ?? 'none',
    }, await this.partitions.deliveryPartitions());
    await this.changes.relayNow();
    return { ...toEndpointResponse(endpoint), secret: endpoint.secret };
  }

  async list(auth: OrgAuth, query: ListEndpointsQueryDto): Promise<Page<EndpointResponseDto>> {
    const position = decodeCursor(query.cursor, 'ep');
    const rows = await this.endpoints.list(
      auth.organizationId,
      { mode: query.mode, status: query.status, eventType: query.eventType },
      { from: position, limit: query.limit + 1 },
    );
    return toPage(rows, query.limit, toEndpointResponse, position);
  }

  async get(auth: OrgAuth, id: string): Promise<EndpointResponseDto> {
    return toEndpointResponse(await this.find(auth, id));
  }

  async update(auth: OrgAuth, id: string, dto: UpdateEndpointDto, expectedVersion: number | undefined): Promise<EndpointResponseDto> {
    // A DTO instance carries every declared field (unset ones as undefined): keep only those sent.
    const changes = Object.fromEntries(Object.entries(dto).filter(([, value]) => value !== undefined)) as EndpointChanges;
    if (Object.keys(changes).length === 0) {
      throw new BadRequestException(['body must name at least one of url, eventTypes, status, description, headers, metadata, rateLimitPerSecond, ordering, filter']);
    }
    if (dto.filter !== undefined) changes.filter = storedFilter(dto.filter);
    if (dto.url !== undefined) {
      // The policy depends on the mode, which never changes, so reading it before the write is safe.
      const current = await this.find(auth, id);
      await this.assertUrlAllowed(dto.url, current.mode);
    }
    if (dto.eventTypes !== undefined) changes.eventTypes = await this.normaliseEventTypes(dto.eventTypes);
    const endpoint = written(id, await this.endpoints.update(auth.organizationId, id, changes, expectedVersion), expectedVersion);
    await this.changes.relayNow();
    return toEndpointResponse(endpoint);
  }

  async delete(auth: OrgAuth, id: string, expectedVersion: number | undefined): Promise<void> {
    written(id, await this.endpoints.delete(auth.organizationId, id, expectedVersion), expectedVersion);
    await this.changes.relayNow();
  }

  async rotateSecret(auth: OrgAuth, id: string): Promise<EndpointSecretDto> {
    const previousExpiresAt = new Date(Date.now() + this.rotationOverlapMs);
    const endpoint = written(id, await this.endpoints.rotateSecret(auth.organizationId, id, generateSecret(), previousExpiresAt), undefined);
    // Delivery instances cache secrets with the endpoint: they must reload to sign with the new one.
    await this.changes.relayNow();
    return toSecretResponse(endpoint);
  }

  async revealSecret(auth: OrgAuth, id: string): Promise<EndpointSecretDto> {
    return toSecretResponse(await this.find(auth, id));
  }

  private async find(auth: OrgAuth, id: string): Promise<EndpointEntity> {
    const endpoint = await this.endpoints.findById(auth.organizationId, id);
    if (!endpoint) throw endpointNotFound(id);
    return endpoint;
  }

  private async assertUrlAllowed(url: string, mode: Mode): Promise<void> {
    const result = await checkUrl(url, mode, this.policy, async (host) => (await this.resolveHost(host)).map((a) => a.address));
    if (!result.ok) throw new BadRequestException([result.reason]);
  }

  private async normaliseEventTypes(requested: string[]): Promise<string[]> {
    // `*` does not include the operational types, so they are kept beside it when named.
    if (requested.includes(ALL_EVENT_TYPES)) requested = [ALL_EVENT_TYPES, ...requested.filter(isOperationalEventType)];
    const unique = [...new Set(requested)].filter((t) => t !== ALL_EVENT_TYPES);
    const unknown = await this.eventTypes.unknown(unique);
    if (unknown.length > 0) throw new BadRequestException([`eventTypes contains unknown event types: ${unknown.join(', ')}`]);
    return requested.includes(ALL_EVENT_TYPES) ? [ALL_EVENT_TYPES, ...unique] : unique;
  }
}

function endpointNotFound(id: string): NotFoundException {
  return new NotFoundException([`endpoint ${id} not found`]);
}

function written<T>(id: string, result: VersionedWrite<T>, expectedVersion: number | undefined): T {
  if (result.kind === 'written') return result.value;
  if (result.kind === 'not_found') throw endpointNotFound(id);
  throw apiError(
    409,
    'version_conflict',
    `endpoint ${id} was changed meanwhile: If-Match named version ${expectedVersion}, it is now at ${result.currentVersion}; read it again and retry`,
    'If-Match',
  );
}

export function toEndpointResponse(e: EndpointEntity): EndpointResponseDto {
  return {
    id: e.id,
    url: e.url,
    mode: e.mode,
    eventTypes: e.eventTypes,
    status: e.status,
    disabledReason: e.status === 'disabled' ? e.disabledReason : null,
    description: e.description,
    headers: e.headers,
    metadata: e.metadata,
    rateLimitPerSecond: e.rateLimitPerSecond,
    ordering: e.ordering,
    filter: e.filter,
    version: e.version,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

/** No filter and an empty one both mean "every event of its types": stored alike, as null. */
function storedFilter(filter: Record<string, unknown> | null | undefined): Record<string, unknown> | null {
  return filter && Object.keys(filter).length > 0 ? filter : null;
}

function toSecretResponse(e: EndpointEntity): EndpointSecretDto {
  return { secret: e.secret, previousSecretExpiresAt: e.previousSecret ? (e.previousSecretExpiresAt?.toISOString() ?? null) : null };
}

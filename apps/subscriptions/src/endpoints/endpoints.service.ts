import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import { ALL_EVENT_TYPES, EndpointChange, Mode, Topics } from '@app/contracts';
import { SubscriptionsConfig } from '@app/config';
import { KafkaProducer } from '@app/messaging';
import { EndpointEntity, EndpointRepository, EventTypeRepository } from '@app/persistence';
import { checkUrl, generateSecret, parseAllowedNetworks, UrlPolicy } from '@app/webhooks';
import { OrgAuth } from '../auth/auth.guards';
import { CreateEndpointDto, EndpointResponseDto, EndpointWithSecretDto } from './endpoint.dto';

async function resolveAll(host: string): Promise<string[]> {
  const answers = await lookup(host, { all: true, verbatim: true });
  return answers.map((a) => a.address);
}

@Injectable()
export class EndpointsService {
  private readonly policy: UrlPolicy;

  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly eventTypes: EventTypeRepository,
    private readonly producer: KafkaProducer,
    @Inject(SubscriptionsConfig) config: SubscriptionsConfig,
  ) {
    this.policy = {
      allowedPrivateNetworks: parseAllowedNetworks(config.WEBHOOK_ALLOWED_PRIVATE_NETWORKS),
      allowHttpInLive: config.WEBHOOK_ALLOW_HTTP_IN_LIVE,
    };
  }

  async create(auth: OrgAuth, dto: CreateEndpointDto): Promise<EndpointWithSecretDto> {
    await this.assertUrlAllowed(dto.url, dto.mode);
    const eventTypes = await this.normaliseEventTypes(dto.eventTypes);
    const endpoint = await this.endpoints.create(auth.organizationId, {
      url: dto.url,
      mode: dto.mode,
      eventTypes,
      description: dto.description ?? '',
      headers: dto.headers ?? {},
      metadata: dto.metadata ?? {},
      secret: generateSecret(),
    });
    await this.publishChange({ organizationId: auth.organizationId, endpointId: endpoint.id, change: 'created' });
    return { ...toResponse(endpoint), secret: endpoint.secret };
  }

  async get(auth: OrgAuth, id: string): Promise<EndpointResponseDto> {
    const endpoint = await this.endpoints.findById(auth.organizationId, id);
    if (!endpoint) throw new NotFoundException(`endpoint ${id} not found`);
    return toResponse(endpoint);
  }

  private async assertUrlAllowed(url: string, mode: Mode): Promise<void> {
    const result = await checkUrl(url, mode, this.policy, resolveAll);
    if (!result.ok) throw new BadRequestException([result.reason]);
  }

  private async normaliseEventTypes(requested: string[] | undefined): Promise<string[]> {
    if (!requested || requested.includes(ALL_EVENT_TYPES)) return [ALL_EVENT_TYPES];
    const unique = [...new Set(requested)];
    const unknown = await this.eventTypes.unknown(unique);
    if (unknown.length > 0) throw new BadRequestException([`eventTypes contains unknown event types: ${unknown.join(', ')}`]);
    return unique;
  }

  /** Tells every fan-out and delivery instance to drop its cached view of this organization. */
  private async publishChange(change: EndpointChange): Promise<void> {
    await this.producer.send(Topics.endpointChanges, [{ key: change.organizationId, value: JSON.stringify(change) }]);
  }
}

export function toResponse(e: EndpointEntity): EndpointResponseDto {
  return {
    id: e.id,
    url: e.url,
    mode: e.mode,
    eventTypes: e.eventTypes,
    status: e.status,
    description: e.description,
    headers: e.headers,
    metadata: e.metadata,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

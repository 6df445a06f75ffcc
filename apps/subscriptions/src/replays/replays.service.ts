import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { SubscriptionsConfig } from '@app/config';
import { newId } from '@app/contracts';
import { EndpointRepository, EventHistoryRepository, ReplayJob, ReplayJobRepository } from '@app/persistence';
import { OrgAuth } from '../auth/auth.guards';
import { assertEnabled } from '../history/redelivery.service';
import { CreateReplayDto, ReplayJobDto } from './replay.dto';
import { ReplayRunner } from './replay-runner';

/** Replays running at once per organization (one per endpoint besides): each is a stream of Kafka writes. */
export const MAX_RUNNING_REPLAYS_PER_ORGANIZATION = 5;

@Injectable()
export class ReplaysService {
  constructor(
    private readonly jobs: ReplayJobRepository,
    private readonly endpoints: EndpointRepository,
    private readonly events: EventHistoryRepository,
    private readonly runner: ReplayRunner,
    @Inject(SubscriptionsConfig) private readonly config: SubscriptionsConfig,
  ) {}

  /**
   * Starts a job that re-delivers to this endpoint every event of its organization received in
   * [from, to) that the endpoint would receive now (its mode, its event types). Bounded: at most
   * REPLAY_MAX_EVENTS events, one running replay per endpoint, a few per organization.
   */
  async create(auth: OrgAuth, endpointId: string, dto: CreateReplayDto): Promise<ReplayJobDto> {
    const from = new Date(dto.from);
    const requestedTo = new Date(dto.to);
    if (from.getTime() >= requestedTo.getTime()) throw new BadRequestException(['to must be later than from']);
    // The range ends now at the latest, so the count below is the whole job.
    const to = new Date(Math.min(requestedTo.getTime(), Date.now()));
    if (from.getTime() >= to.getTime()) throw new BadRequestException(['from must be in the past']);

    const endpoint = await this.endpoints.findById(auth.organizationId, endpointId);
    if (!endpoint) throw new NotFoundException([`endpoint ${endpointId} not found`]);
    assertEnabled(endpoint);
    if ((await this.jobs.countRunning(auth.organizationId)) >= MAX_RUNNING_REPLAYS_PER_ORGANIZATION) {
      throw new ConflictException([`at most ${MAX_RUNNING_REPLAYS_PER_ORGANIZATION} replays run at once per organization; wait for one to finish`]);
    }

    const selection = { endpointId, mode: endpoint.mode, eventTypes: endpoint.eventTypes, from, to };
    const max = this.config.REPLAY_MAX_EVENTS;
    const total = await this.events.countForReplay(auth.organizationId, selection, max + 1);
    if (total > max) {
      throw new BadRequestException([`from and to select more than ${max} events, the most one replay re-delivers; split the range`]);
    }
    const job = await this.runner.startNew(auth.organizationId, { id: newId('job'), ...selection, total });
    if (!job) throw new ConflictException([`endpoint ${endpointId} already has a replay running; wait for it to finish`]);
    return toReplayJobDto(job);
  }

  async get(auth: OrgAuth, jobId: string): Promise<ReplayJobDto> {
    const job = await this.jobs.findById(auth.organizationId, jobId);
    if (!job) throw new NotFoundException([`replay ${jobId} not found`]);
    return toReplayJobDto(job);
  }
}

function toReplayJobDto(job: ReplayJob): ReplayJobDto {
  return {
    id: job.id,
    endpointId: job.endpointId,
    from: job.from.toISOString(),
    to: job.to.toISOString(),
    status: job.status,
    total: job.total,
    published: job.published,
    error: job.error,
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}

import { Injectable } from '@nestjs/common';
import { endpointWantsEvent } from '@app/contracts';
import { compileFilter } from '@app/event-rules';
import { EventHistoryRepository } from '@app/persistence';
import { OrgAuth } from '../auth/auth.guards';
import { toEventResponse } from '../history/history.mappers';
import { FilterPreviewDto, FilterPreviewResultDto } from './filter-preview.dto';

/** How far back the preview looks for events of the wanted types: a bounded read, whatever the types. */
const SCANNED_EVENTS = 500;

/**
 * "Test this filter against recent events": the organization's newest events of the mode and types an
 * endpoint would receive, each with whether the filter matches it, judged by the same engine the
 * fan-out runs. Nothing is stored or sent.
 */
@Injectable()
export class FilterPreviewService {
  constructor(private readonly events: EventHistoryRepository) {}

  async preview(auth: OrgAuth, dto: FilterPreviewDto): Promise<FilterPreviewResultDto> {
    const test = dto.filter ? compileFilter(dto.filter) : () => true;
    const routable = { status: 'enabled' as const, mode: dto.mode, eventTypes: dto.eventTypes ?? ['*'] };
    const recent = await this.events.list(auth.organizationId, { mode: dto.mode }, { limit: SCANNED_EVENTS });
    const wanted = recent.filter((e) => endpointWantsEvent(routable, e)).slice(0, dto.limit ?? 10);
    const data = wanted.map((stored) => {
      const event = toEventResponse(stored);
      return { matches: test({ id: event.id, type: event.type, organizationId: auth.organizationId, mode: event.mode, occurredAt: event.occurredAt, data: event.data }), event };
    });
    return { tested: data.length, matched: data.filter((d) => d.matches).length, data };
  }
}


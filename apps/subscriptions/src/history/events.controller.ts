import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { ApiKeyGuard, Auth, OrgAuth } from '../auth/auth.guards';
import { Page } from '../common/pagination';
import { EVENT_ID, HistoryIdPipe } from './history-id.pipe';
import { EventPageDto, EventResponseDto, EventWithDeliveriesDto, ListEventsQueryDto } from './history.dto';
import { HistoryService } from './history.service';

@ApiTags('events')
@ApiBearerAuth('apiKey')
@Controller('v1/events')
@UseGuards(ApiKeyGuard)
export class EventsController {
  constructor(private readonly history: HistoryService) {}

  @Get()
  @ApiOperation({ operationId: 'listEvents' })
  @ApiOkResponse({ type: EventPageDto, description: 'Newest first (by time received). Events older than the retention period are gone.' })
  list(@Auth() auth: OrgAuth, @Query() query: ListEventsQueryDto): Promise<Page<EventResponseDto>> {
    return this.history.listEvents(auth, query);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getEvent' })
  @ApiOkResponse({ type: EventWithDeliveriesDto })
  @ApiNotFoundResponse()
  get(@Auth() auth: OrgAuth, @Param('id', new HistoryIdPipe(EVENT_ID, 'event')) id: string): Promise<EventWithDeliveriesDto> {
    return this.history.getEvent(auth, id);
  }
}

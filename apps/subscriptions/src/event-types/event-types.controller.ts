import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { EventTypeRepository } from '@app/persistence';
import { ApiKeyGuard } from '../auth/auth.guards';
import { EventTypeListDto } from './event-type.dto';

@ApiTags('event-types')
@ApiBearerAuth('apiKey')
@Controller('v1/event-types')
@UseGuards(ApiKeyGuard)
export class EventTypesController {
  constructor(private readonly eventTypes: EventTypeRepository) {}

  @Get()
  @ApiOkResponse({ type: EventTypeListDto })
  async list(): Promise<EventTypeListDto> {
    const types = await this.eventTypes.list();
    return { data: types.map((t) => ({ name: t.name, description: t.description })) };
  }
}

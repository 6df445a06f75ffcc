import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { EventTypeRepository } from '@app/persistence';
import { ApiKeyGuard } from '../auth/auth.guards';

@ApiTags('event-types')
@ApiBearerAuth()
@Controller('v1/event-types')
@UseGuards(ApiKeyGuard)
export class EventTypesController {
  constructor(private readonly eventTypes: EventTypeRepository) {}

  @Get()
  async list(): Promise<{ data: Array<{ name: string; description: string }> }> {
    const types = await this.eventTypes.list();
    return { data: types.map((t) => ({ name: t.name, description: t.description })) };
  }
}

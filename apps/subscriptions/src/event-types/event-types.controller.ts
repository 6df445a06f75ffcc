import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { EventTypeRepository } from '@app/persistence';
import { ApiKeyGuard } from '../auth/auth.guards';
import { DeliveryExhaustedEventDto, EndpointDisabledEventDto, EventTypeListDto } from './event-type.dto';

@ApiTags('event-types')
@ApiBearerAuth('apiKey')
@Controller('v1/event-types')
@UseGuards(ApiKeyGuard)
@ApiExtraModels(EndpointDisabledEventDto, DeliveryExhaustedEventDto)
export class EventTypesController {
  constructor(private readonly eventTypes: EventTypeRepository) {}

  @Get()
  @ApiOperation({
    operationId: 'listEventTypes',
    description:
      'The catalog. It includes the operational event types the platform publishes about your endpoints, ' +
      `webhook.endpoint.disabled (body: ${getSchemaPath(EndpointDisabledEventDto)}) and webhook.delivery.exhausted ` +
      `(body: ${getSchemaPath(DeliveryExhaustedEventDto)}), in the mode of the endpoint concerned. "*" does not include them: ` +
      'an endpoint receives them only when it names them in eventTypes. A delivery of an operational event that is exhausted raises none.',
  })
  @ApiOkResponse({ type: EventTypeListDto })
  async list(): Promise<EventTypeListDto> {
    const types = await this.eventTypes.list();
    return { data: types.map((t) => ({ name: t.name, description: t.description })), nextCursor: null, prevCursor: null, hasMore: false };
  }
}

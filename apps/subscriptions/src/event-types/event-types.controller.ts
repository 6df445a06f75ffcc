import { Body, Controller, Get, Param, Put, Res, UseGuards } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiCreatedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiParam, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiKeyGuard, PlatformAdminGuard } from '../auth/auth.guards';
import { EventTypeCatalogService } from './event-type-catalog.service';
import { DeliveryExhaustedEventDto, EndpointDisabledEventDto, EventTypeListDto, EventTypeResponseDto, PutEventTypeDto } from './event-type.dto';

@ApiTags('event-types')
@ApiBearerAuth('apiKey')
@Controller('v1/event-types')
@UseGuards(ApiKeyGuard)
@ApiExtraModels(EndpointDisabledEventDto, DeliveryExhaustedEventDto)
export class EventTypesController {
  constructor(private readonly catalog: EventTypeCatalogService) {}

  @Get()
  @ApiOperation({
    operationId: 'listEventTypes',
    description:
      'The catalog, each type with its optional JSON Schema and example. It includes the operational event types the platform publishes about your endpoints, ' +
      `webhook.endpoint.disabled (body: ${getSchemaPath(EndpointDisabledEventDto)}) and webhook.delivery.exhausted ` +
      `(body: ${getSchemaPath(DeliveryExhaustedEventDto)}), in the mode of the endpoint concerned. "*" does not include them: ` +
      'an endpoint receives them only when it names them in eventTypes. A delivery of an operational event that is exhausted raises none.',
  })
  @ApiOkResponse({ type: EventTypeListDto })
  async list(): Promise<EventTypeListDto> {
    return { data: await this.catalog.list(), nextCursor: null, prevCursor: null, hasMore: false };
  }
}

/** The platform operator manages the catalog; organizations only read it. */
@ApiTags('event-types')
@ApiBearerAuth('platformAdmin')
@Controller('v1/event-types')
@UseGuards(PlatformAdminGuard)
export class EventTypeCatalogController {
  constructor(private readonly catalog: EventTypeCatalogService) {}

  @Put(':type')
  @ApiOperation({
    operationId: 'putEventType',
    summary: 'Creates or replaces an event type (platform token)',
    description:
      "The whole entry: a part left out is cleared. `schema` is a JSON Schema for the events' `data`; the fan-out quarantines an event that breaks it " +
      '(reason `schema`, with the violations) within about a second on every instance. `example` must match `schema`; test events and ' +
      '`sourcehub-webhooks trigger` send it. A new type gets its Kafka topic within FANOUT_TOPIC_REFRESH_MS.',
  })
  @ApiParam({ name: 'type', example: 'order.new' })
  @ApiOkResponse({ type: EventTypeResponseDto, description: 'Replaced.' })
  @ApiCreatedResponse({ type: EventTypeResponseDto, description: 'Created.' })
  @ApiBadRequestResponse({ description: 'A bad type name, an invalid schema (names `schema`) or an example that breaks it (names `example`).' })
  async put(@Param('type') type: string, @Body() body: PutEventTypeDto, @Res({ passthrough: true }) res: Response): Promise<EventTypeResponseDto> {
    const { entry, created } = await this.catalog.put(type, body);
    res.status(created ? 201 : 200);
    return entry;
  }
}

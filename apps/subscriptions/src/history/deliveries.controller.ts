import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard, Auth, OrgAuth } from '../auth/auth.guards';
import { Page } from '../common/pagination';
import { ResourceIdPipe } from '../common/resource-id.pipe';
import { DELIVERY_ID, HistoryIdPipe } from './history-id.pipe';
import { DeliveryDetailDto, DeliveryPageDto, DeliveryResponseDto, ListDeliveriesQueryDto, RedeliveryAcceptedDto, SendTestEventDto, TestEventAcceptedDto } from './history.dto';
import { HistoryService } from './history.service';
import { RedeliveryService } from './redelivery.service';

const DeliveryId = () => Param('id', new HistoryIdPipe(DELIVERY_ID, 'delivery'));
const EndpointId = () => Param('id', new ResourceIdPipe('ep', 'endpoint'));

@ApiTags('deliveries')
@ApiBearerAuth('apiKey')
@Controller('v1/deliveries')
@UseGuards(ApiKeyGuard)
export class DeliveriesController {
  constructor(
    private readonly history: HistoryService,
    private readonly redelivery: RedeliveryService,
  ) {}

  @Get(':id')
  @ApiOperation({ operationId: 'getDelivery' })
  @ApiOkResponse({ type: DeliveryDetailDto })
  @ApiNotFoundResponse()
  get(@Auth() auth: OrgAuth, @DeliveryId() id: string): Promise<DeliveryDetailDto> {
    return this.history.getDelivery(auth, id);
  }

  @Post(':id/resend')
  @ApiOperation({ operationId: 'resendDelivery' })
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: RedeliveryAcceptedDto,
    description: 'A new attempt is queued now, whatever the state, with the same `webhook-id` as every earlier attempt; it is listed once made.',
  })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The endpoint is disabled or deleted, or the event is past retention.' })
  resend(@Auth() auth: OrgAuth, @DeliveryId() id: string): Promise<RedeliveryAcceptedDto> {
    return this.redelivery.resend(auth, id);
  }
}

/** The history routes under an endpoint. */
@ApiTags('endpoints')
@ApiBearerAuth('apiKey')
@Controller('v1/endpoints')
@UseGuards(ApiKeyGuard)
export class EndpointDeliveriesController {
  constructor(
    private readonly history: HistoryService,
    private readonly redelivery: RedeliveryService,
  ) {}

  @Get(':id/deliveries')
  @ApiOperation({ operationId: 'listDeliveries' })
  @ApiOkResponse({ type: DeliveryPageDto, description: 'Newest first. A delivery is listed from its first attempt on (test events and replays: from when they are queued).' })
  @ApiNotFoundResponse()
  list(@Auth() auth: OrgAuth, @EndpointId() id: string, @Query() query: ListDeliveriesQueryDto): Promise<Page<DeliveryResponseDto>> {
    return this.history.listEndpointDeliveries(auth, id, query);
  }

  @Post(':id/test')
  @ApiOperation({ operationId: 'sendTestEvent' })
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: TestEventAcceptedDto,
    description:
      "Sends a test event of the endpoint's mode to this endpoint only, through the normal delivery path (signed, retried, logged; its filter is not applied). " +
      "It carries the catalog's example of the type asked for, else of the first subscribed type that has one; else it is a generic `webhook.test`.",
  })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The endpoint is disabled.' })
  @ApiBody({ type: SendTestEventDto, required: false })
  sendTestEvent(@Auth() auth: OrgAuth, @EndpointId() id: string, @Body() body: SendTestEventDto): Promise<TestEventAcceptedDto> {
    return this.redelivery.sendTestEvent(auth, id, body?.eventType);
  }
}

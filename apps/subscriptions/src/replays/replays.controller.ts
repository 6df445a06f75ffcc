import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { ApiKeyGuard, Auth, OrgAuth } from '../auth/auth.guards';
import { ResourceIdPipe } from '../common/resource-id.pipe';
import { CreateReplayDto, ReplayJobDto } from './replay.dto';
import { ReplaysService } from './replays.service';

@ApiTags('replays')
@ApiBearerAuth('apiKey')
@Controller('v1')
@UseGuards(ApiKeyGuard)
export class ReplaysController {
  constructor(private readonly replays: ReplaysService) {}

  @Post('endpoints/:id/replay')
  @ApiOperation({ operationId: 'createReplay' })
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: ReplayJobDto,
    description:
      "Re-delivers, in the background, every event received in [from, to) that the endpoint would receive (its mode and event types), oldest first. " +
      'Each keeps the delivery id of its original delivery to this endpoint, so receivers get the same `webhook-id` and can drop what they already processed. ' +
      'Follow progress at GET /v1/replays/{id}.',
  })
  @ApiBadRequestResponse({ description: 'Bad range, or more events than one replay re-delivers (REPLAY_MAX_EVENTS, 100000 by default).' })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The endpoint is disabled or already has a replay running, or the organization has 5 running.' })
  create(@Auth() auth: OrgAuth, @Param('id', new ResourceIdPipe('ep', 'endpoint')) id: string, @Body() body: CreateReplayDto): Promise<ReplayJobDto> {
    return this.replays.create(auth, id, body);
  }

  @Get('replays/:id')
  @ApiOperation({ operationId: 'getReplay' })
  @ApiOkResponse({ type: ReplayJobDto })
  @ApiNotFoundResponse()
  get(@Auth() auth: OrgAuth, @Param('id', new ResourceIdPipe('job', 'replay')) id: string): Promise<ReplayJobDto> {
    return this.replays.get(auth, id);
  }
}

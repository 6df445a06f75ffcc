import { Body, Controller, Delete, Get, HttpCode, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiKeyGuard, Auth, OrgAuth } from '../auth/auth.guards';
import { ResourceIdPipe } from '../common/resource-id.pipe';
import { CreateListenSessionDto, ListenAnswerDto, ListenSessionDto, TriggeredEventDto, TriggerEventDto } from './listen.dto';
import { ListenService } from './listen.service';

const SessionId = () => Param('id', new ResourceIdPipe('ep', 'listen session'));

/** What `sourcehub-webhooks listen` and `trigger` call (SPEC §11). */
@ApiTags('listen')
@ApiBearerAuth('apiKey')
@Controller('v1/listen')
@UseGuards(ApiKeyGuard)
export class ListenController {
  constructor(private readonly listen: ListenService) {}

  @Post('sessions')
  @HttpCode(201)
  @ApiOperation({ operationId: 'createListenSession', summary: 'A temporary test-mode endpoint whose deliveries go to a CLI connection' })
  @ApiCreatedResponse({ type: ListenSessionDto })
  create(@Auth() auth: OrgAuth, @Body() body: CreateListenSessionDto): Promise<ListenSessionDto> {
    return this.listen.create(auth, body);
  }

  @Get('sessions/:id/stream')
  @ApiOperation({ operationId: 'streamListenSession', summary: 'Server-sent events: `ready`, then one `delivery` per relayed delivery; `end` when the session ends' })
  @ApiOkResponse({ description: 'text/event-stream' })
  @ApiNotFoundResponse()
  stream(@Auth() auth: OrgAuth, @SessionId() id: string, @Res() res: Response): Promise<void> {
    return this.listen.stream(auth, id, res);
  }

  @Post('sessions/:id/answers')
  @HttpCode(202)
  @ApiOperation({ operationId: 'answerListenDelivery', summary: "The local receiver's answer to one relayed delivery; recorded as the attempt" })
  @ApiAcceptedResponse()
  @ApiNotFoundResponse()
  answer(@Auth() auth: OrgAuth, @SessionId() id: string, @Body() body: ListenAnswerDto): Promise<void> {
    return this.listen.answer(auth, id, body);
  }

  @Delete('sessions/:id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteListenSession', summary: 'Ends the session and deletes its endpoint' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  delete(@Auth() auth: OrgAuth, @SessionId() id: string): Promise<void> {
    return this.listen.delete(auth, id);
  }

  @Post('events')
  @HttpCode(202)
  @ApiOperation({ operationId: 'triggerTestEvent', summary: 'Publishes a test-mode event of a catalog type through the ordinary pipeline' })
  @ApiAcceptedResponse({ type: TriggeredEventDto })
  trigger(@Auth() auth: OrgAuth, @Body() body: TriggerEventDto): Promise<TriggeredEventDto> {
    return this.listen.trigger(auth, body);
  }
}

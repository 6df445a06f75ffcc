import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiKeyGuard, Auth, OrgAuth } from '../auth/auth.guards';
import { VersionEtagInterceptor } from '../common/etag.interceptor';
import { IfMatchVersion } from '../common/if-match.decorator';
import { Page } from '../common/pagination';
import { ResourceIdPipe } from '../common/resource-id.pipe';
import {
  CreateEndpointDto,
  EndpointPageDto,
  EndpointResponseDto,
  EndpointSecretDto,
  EndpointWithSecretDto,
  ListEndpointsQueryDto,
  UpdateEndpointDto,
} from './endpoint.dto';
import { EndpointsService } from './endpoints.service';

const EndpointId = () => Param('id', new ResourceIdPipe('ep', 'endpoint'));
const IF_MATCH = { name: 'If-Match', required: false, description: 'The ETag of the version read; on a mismatch the call changes nothing and answers 409.' };

@ApiTags('endpoints')
@ApiBearerAuth('apiKey')
@Controller('v1/endpoints')
@UseGuards(ApiKeyGuard)
@UseInterceptors(VersionEtagInterceptor)
export class EndpointsController {
  constructor(private readonly endpoints: EndpointsService) {}

  @Post()
  @ApiOperation({ operationId: 'createEndpoint' })
  @HttpCode(201)
  @ApiCreatedResponse({ type: EndpointWithSecretDto })
  create(@Auth() auth: OrgAuth, @Body() body: CreateEndpointDto): Promise<EndpointWithSecretDto> {
    return this.endpoints.create(auth, body);
  }

  @Get()
  @ApiOperation({ operationId: 'listEndpoints' })
  @ApiOkResponse({ type: EndpointPageDto })
  list(@Auth() auth: OrgAuth, @Query() query: ListEndpointsQueryDto): Promise<Page<EndpointResponseDto>> {
    return this.endpoints.list(auth, query);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getEndpoint' })
  @ApiOkResponse({ type: EndpointResponseDto })
  @ApiNotFoundResponse()
  get(@Auth() auth: OrgAuth, @EndpointId() id: string): Promise<EndpointResponseDto> {
    return this.endpoints.get(auth, id);
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateEndpoint' })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: EndpointResponseDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'If-Match named a version that is no longer current.' })
  update(@Auth() auth: OrgAuth, @EndpointId() id: string, @Body() body: UpdateEndpointDto, @IfMatchVersion() version?: number): Promise<EndpointResponseDto> {
    return this.endpoints.update(auth, id, body, version);
  }

  @Delete(':id')
  @ApiOperation({ operationId: 'deleteEndpoint' })
  @HttpCode(204)
  @ApiHeader(IF_MATCH)
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'If-Match named a version that is no longer current.' })
  delete(@Auth() auth: OrgAuth, @EndpointId() id: string, @IfMatchVersion() version?: number): Promise<void> {
    return this.endpoints.delete(auth, id, version);
  }

  @Post(':id/rotate-secret')
  @ApiOperation({ operationId: 'rotateEndpointSecret' })
  @HttpCode(200)
  @ApiOkResponse({ type: EndpointSecretDto, description: 'The new secret; the previous one keeps signing until previousSecretExpiresAt.' })
  @ApiNotFoundResponse()
  rotateSecret(@Auth() auth: OrgAuth, @EndpointId() id: string): Promise<EndpointSecretDto> {
    return this.endpoints.rotateSecret(auth, id);
  }

  @Get(':id/secret')
  @ApiOperation({ operationId: 'getEndpointSecret' })
  @ApiOkResponse({ type: EndpointSecretDto })
  @ApiNotFoundResponse()
  revealSecret(@Auth() auth: OrgAuth, @EndpointId() id: string): Promise<EndpointSecretDto> {
    return this.endpoints.revealSecret(auth, id);
  }
}

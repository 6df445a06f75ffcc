import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { ApiKeyGuard, Auth, OrgAuth } from '../auth/auth.guards';
import { Page, PageQueryDto } from '../common/pagination';
import { ResourceIdPipe } from '../common/resource-id.pipe';
import { ApiKeyCreatedDto, ApiKeyPageDto, ApiKeyResponseDto, CreateApiKeyDto } from './api-key.dto';
import { ApiKeysService } from './api-keys.service';

@ApiTags('api-keys')
@ApiBearerAuth('apiKey')
@Controller('v1/api-keys')
@UseGuards(ApiKeyGuard)
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({ operationId: 'createApiKey' })
  @HttpCode(201)
  @ApiCreatedResponse({ type: ApiKeyCreatedDto, description: 'The key value is in this response only.' })
  create(@Auth() auth: OrgAuth, @Body() body: CreateApiKeyDto): Promise<ApiKeyCreatedDto> {
    return this.keys.create(auth, body);
  }

  @Get()
  @ApiOperation({ operationId: 'listApiKeys' })
  @ApiOkResponse({ type: ApiKeyPageDto })
  list(@Auth() auth: OrgAuth, @Query() query: PageQueryDto): Promise<Page<ApiKeyResponseDto>> {
    return this.keys.list(auth, query);
  }

  @Delete(':id')
  @ApiOperation({ operationId: 'revokeApiKey' })
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked: requests with this key now get 401. Revoking a revoked key is a no-op.' })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: "The organization's last active key cannot be revoked." })
  revoke(@Auth() auth: OrgAuth, @Param('id', new ResourceIdPipe('key', 'api key')) id: string): Promise<void> {
    return this.keys.revoke(auth, id);
  }
}

import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard, Auth, OrgAuth } from '../auth/auth.guards';
import { CreateEndpointDto, EndpointResponseDto, EndpointWithSecretDto } from './endpoint.dto';
import { EndpointsService } from './endpoints.service';

@ApiTags('endpoints')
@ApiBearerAuth()
@Controller('v1/endpoints')
@UseGuards(ApiKeyGuard)
export class EndpointsController {
  constructor(private readonly endpoints: EndpointsService) {}

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: EndpointWithSecretDto })
  create(@Auth() auth: OrgAuth, @Body() body: CreateEndpointDto): Promise<EndpointWithSecretDto> {
    return this.endpoints.create(auth, body);
  }

  @Get(':id')
  @ApiOkResponse({ type: EndpointResponseDto })
  get(@Auth() auth: OrgAuth, @Param('id') id: string): Promise<EndpointResponseDto> {
    return this.endpoints.get(auth, id);
  }
}

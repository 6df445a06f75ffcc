import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { PlatformAdminGuard } from '../auth/auth.guards';
import { CreateOrganizationDto, OrganizationCreatedDto } from './organization.dto';
import { OrganizationsService } from './organizations.service';

@ApiTags('organizations')
@ApiBearerAuth('platformAdmin')
@Controller('v1/organizations')
@UseGuards(PlatformAdminGuard)
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Post()
  @ApiOperation({ operationId: 'createOrganization' })
  @HttpCode(201)
  @ApiCreatedResponse({ type: OrganizationCreatedDto })
  create(@Body() body: CreateOrganizationDto): Promise<OrganizationCreatedDto> {
    return this.organizations.create(body);
  }
}

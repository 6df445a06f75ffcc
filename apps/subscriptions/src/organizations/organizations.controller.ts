import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { OrganizationRepository } from '@app/persistence';
import { generateApiKey } from '../auth/api-key-hasher';
import { PlatformAdminGuard } from '../auth/auth.guards';
import { CreateOrganizationDto, OrganizationCreatedDto } from './organization.dto';

@ApiTags('organizations')
@ApiBearerAuth()
@Controller('v1/organizations')
@UseGuards(PlatformAdminGuard)
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationRepository) {}

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: OrganizationCreatedDto })
  async create(@Body() body: CreateOrganizationDto): Promise<OrganizationCreatedDto> {
    const key = generateApiKey('default');
    const { organization } = await this.organizations.createWithKey(body.name, key.material);
    return { id: organization.id, name: organization.name, apiKey: key.value };
  }
}

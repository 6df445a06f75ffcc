import { Injectable } from '@nestjs/common';
import { OrganizationRepository } from '@app/persistence';
import { generateApiKey } from '../auth/api-key-hasher';
import { CreateOrganizationDto, OrganizationCreatedDto } from './organization.dto';

const FIRST_KEY_NAME = 'default';

/** Platform-operator actions: no organization is calling, so no OrgAuth. */
@Injectable()
export class OrganizationsService {
  constructor(private readonly organizations: OrganizationRepository) {}

  async create(dto: CreateOrganizationDto): Promise<OrganizationCreatedDto> {
    const key = generateApiKey(FIRST_KEY_NAME);
    const { organization } = await this.organizations.createWithKey(dto.name, key.material);
    return { id: organization.id, name: organization.name, apiKey: key.value };
  }
}

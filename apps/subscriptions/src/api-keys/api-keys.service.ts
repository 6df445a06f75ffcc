import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { ApiKeyEntity, ApiKeyRepository } from '@app/persistence';
import { generateApiKey } from '../auth/api-key-hasher';
import { OrgAuth } from '../auth/auth.guards';
import { decodeCursor, Page, PageQueryDto, toPage } from '../common/pagination';
import { ApiKeyCreatedDto, ApiKeyResponseDto, CreateApiKeyDto } from './api-key.dto';

@Injectable()
export class ApiKeysService {
  constructor(private readonly keys: ApiKeyRepository) {}

  async create(auth: OrgAuth, dto: CreateApiKeyDto): Promise<ApiKeyCreatedDto> {
    const key = generateApiKey(dto.name);
    const entity = await this.keys.create(auth.organizationId, key.material);
    return { ...toApiKeyResponse(entity), apiKey: key.value };
  }

  async list(auth: OrgAuth, query: PageQueryDto): Promise<Page<ApiKeyResponseDto>> {
    const position = decodeCursor(query.cursor, 'key');
    const rows = await this.keys.list(auth.organizationId, { from: position, limit: query.limit + 1 });
    return toPage(rows, query.limit, toApiKeyResponse, position);
  }

  async revoke(auth: OrgAuth, id: string): Promise<void> {
    const outcome = await this.keys.revoke(auth.organizationId, id);
    if (outcome === 'not_found') throw new NotFoundException([`api key ${id} not found`]);
    if (outcome === 'last_active_key') {
      throw new ConflictException([`api key ${id} is the organization's last active key; create another one before revoking it`]);
    }
  }
}

function toApiKeyResponse(k: ApiKeyEntity): ApiKeyResponseDto {
  return { id: k.id, name: k.name, prefix: k.prefix, createdAt: k.createdAt.toISOString(), revokedAt: k.revokedAt?.toISOString() ?? null };
}

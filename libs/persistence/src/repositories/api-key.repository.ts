import { Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { newId } from '@app/contracts';
import { ApiKeyEntity } from '../entities';

/** What the caller derived from a fresh key: never the key itself. */
export interface ApiKeyMaterial {
  name: string;
  prefix: string;
  hash: string;
}

@Injectable()
export class ApiKeyRepository {
  constructor(private readonly db: DataSource) {}

  private get repo() {
    return this.db.getRepository(ApiKeyEntity);
  }

  /** Resolves a presented key (by hash) to its organization, or null when unknown or revoked. */
  async findActiveByHash(hash: string): Promise<ApiKeyEntity | null> {
    return this.repo.findOne({ where: { keyHash: hash, revokedAt: IsNull() } });
  }

  async create(organizationId: string, key: ApiKeyMaterial): Promise<ApiKeyEntity> {
    const entity = this.repo.create({ id: newId('key'), organizationId, name: key.name, prefix: key.prefix, keyHash: key.hash, revokedAt: null });
    await this.repo.insert(entity);
    return entity;
  }

  async list(organizationId: string): Promise<ApiKeyEntity[]> {
    return this.repo.find({ where: { organizationId }, order: { id: 'ASC' } });
  }

  /** Returns false when the key does not exist in this organization. */
  async revoke(organizationId: string, keyId: string): Promise<boolean> {
    const result = await this.repo.update({ organizationId, id: keyId, revokedAt: IsNull() }, { revokedAt: new Date() });
    if ((result.affected ?? 0) > 0) return true;
    return this.repo.exists({ where: { organizationId, id: keyId } });
  }
}

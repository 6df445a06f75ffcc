import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, LessThan, MoreThan } from 'typeorm';
import { newId } from '@app/contracts';
import { KeysetPage } from './history-key';
import { ApiKeyEntity, OrganizationEntity } from '../entities';

/** What the caller derived from a fresh key: never the key itself. */
export interface ApiKeyMaterial {
  name: string;
  prefix: string;
  hash: string;
}

export type ApiKeyRevocation = 'revoked' | 'not_found' | 'last_active_key';

@Injectable()
export class ApiKeyRepository {
  constructor(private readonly db: DataSource) {}

  private get repo() {
    return this.db.getRepository(ApiKeyEntity);
  }

  /**
   * Resolves a presented key (by hash) to its organization, or null when unknown or revoked. The one
   * lookup without an organization id: it is how a request finds out its organization.
   */
  async findActiveByHash(hash: string): Promise<ApiKeyEntity | null> {
    return this.repo.findOne({ where: { keyHash: hash, revokedAt: IsNull() } });
  }

  async create(organizationId: string, key: ApiKeyMaterial): Promise<ApiKeyEntity> {
    const entity = this.repo.create({ id: newId('key'), organizationId, name: key.name, prefix: key.prefix, keyHash: key.hash, revokedAt: null });
    await this.repo.insert(entity);
    return (await this.repo.findOne({ where: { organizationId, id: entity.id } })) as ApiKeyEntity;
  }

  /** Up to `limit` keys, revoked ones included, in id (creation) order, after or before an id (see KeysetPage). */
  async list(organizationId: string, page: KeysetPage<string>): Promise<ApiKeyEntity[]> {
    const back = page.from?.direction === 'prev';
    const rows = await this.repo.find({
      where: { organizationId, ...(page.from ? { id: back ? LessThan(page.from.key) : MoreThan(page.from.key) } : {}) },
      order: { id: back ? 'DESC' : 'ASC' },
      take: page.limit,
    });
    return back ? rows.reverse() : rows;
  }

  /**
   * Revokes a key of this organization; revoking a revoked key changes nothing. The last active key
   * is kept: an organization without one could never be reached again. The organization row is locked
   * so that two requests revoking its last two keys at once cannot both succeed.
   */
  async revoke(organizationId: string, keyId: string): Promise<ApiKeyRevocation> {
    return this.db.transaction(async (tx) => {
      await tx.getRepository(OrganizationEntity).findOne({ where: { id: organizationId }, lock: { mode: 'pessimistic_write' } });
      const key = await tx.findOne(ApiKeyEntity, { where: { organizationId, id: keyId } });
      if (!key) return 'not_found';
      if (key.revokedAt) return 'revoked';
      const active = await tx.count(ApiKeyEntity, { where: { organizationId, revokedAt: IsNull() } });
      if (active <= 1) return 'last_active_key';
      await tx.update(ApiKeyEntity, { organizationId, id: keyId }, { revokedAt: new Date() });
      return 'revoked';
    });
  }
}

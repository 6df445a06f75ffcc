import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { newId } from '@app/contracts';
import { ApiKeyEntity, OrganizationEntity } from '../entities';
import { ApiKeyMaterial } from './api-key.repository';

@Injectable()
export class OrganizationRepository {
  constructor(private readonly db: DataSource) {}

  /** Creates the organization and its first API key together: an organization nobody can reach is useless. */
  async createWithKey(name: string, key: ApiKeyMaterial): Promise<{ organization: OrganizationEntity; apiKey: ApiKeyEntity }> {
    return this.db.transaction(async (tx) => {
      const organization = tx.create(OrganizationEntity, { id: newId('org'), name });
      await tx.insert(OrganizationEntity, organization);
      const apiKey = tx.create(ApiKeyEntity, {
        id: newId('key'),
        organizationId: organization.id,
        name: key.name,
        prefix: key.prefix,
        keyHash: key.hash,
        revokedAt: null,
      });
      await tx.insert(ApiKeyEntity, apiKey);
      return { organization, apiKey };
    });
  }

  async exists(organizationId: string): Promise<boolean> {
    return this.db.getRepository(OrganizationEntity).exists({ where: { id: organizationId } });
  }

  /** For the fan-out's "unknown organization" check, in one query per batch. */
  async existing(organizationIds: readonly string[]): Promise<Set<string>> {
    if (organizationIds.length === 0) return new Set();
    const rows: Array<{ id: string }> = await this.db.query('SELECT id FROM organizations WHERE id = ANY($1)', [organizationIds]);
    return new Set(rows.map((r) => r.id));
  }
}

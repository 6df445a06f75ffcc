import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EndpointStatus, Mode, newId } from '@app/contracts';
import { EndpointEntity } from '../entities';

export interface NewEndpoint {
  url: string;
  mode: Mode;
  eventTypes: string[];
  description: string;
  headers: Record<string, string>;
  metadata: Record<string, string>;
  secret: string;
}

/** Every query names the organization: there is no way to read an endpoint without its tenant. */
@Injectable()
export class EndpointRepository {
  constructor(private readonly db: DataSource) {}

  private get repo() {
    return this.db.getRepository(EndpointEntity);
  }

  async create(organizationId: string, fields: NewEndpoint): Promise<EndpointEntity> {
    const entity = this.repo.create({
      ...fields,
      id: newId('ep'),
      organizationId,
      status: 'enabled' as EndpointStatus,
      previousSecret: null,
      previousSecretExpiresAt: null,
    });
    await this.repo.insert(entity);
    return (await this.findById(organizationId, entity.id)) as EndpointEntity;
  }

  async findById(organizationId: string, id: string): Promise<EndpointEntity | null> {
    return this.repo.findOne({ where: { organizationId, id } });
  }

  /** The fan-out's routing table for one organization: enabled endpoints only. */
  async findEnabled(organizationId: string): Promise<EndpointEntity[]> {
    return this.repo.find({ where: { organizationId, status: 'enabled' } });
  }
}

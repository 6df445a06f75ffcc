import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** Only the SHA-256 of a key is stored: a leaked table does not leak keys. */
@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryColumn('text')
  id: string;

  @Index()
  @Column('text', { name: 'organization_id' })
  organizationId: string;

  @Column('text')
  name: string;

  /** The first characters of the key, so a person can tell keys apart without the key. */
  @Column('text')
  prefix: string;

  @Index({ unique: true })
  @Column('text', { name: 'key_hash' })
  keyHash: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt: Date | null;
}

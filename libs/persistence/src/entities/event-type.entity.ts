import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('event_types')
export class EventTypeEntity {
  @PrimaryColumn('text')
  name: string;

  @Column('text', { default: '' })
  description: string;

  /** A JSON Schema (draft-07) the `data` of this type's events must match; null: any `data`. */
  @Column('jsonb', { nullable: true })
  schema: Record<string, unknown> | null;

  /** The `data` a test event of this type carries. */
  @Column('jsonb', { nullable: true })
  example: Record<string, unknown> | null;

  /** Grows with every change: a schema is compiled once per version. */
  @Column('int', { default: 1 })
  version: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}

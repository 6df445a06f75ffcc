import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('event_types')
export class EventTypeEntity {
  @PrimaryColumn('text')
  name: string;

  @Column('text', { default: '' })
  description: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

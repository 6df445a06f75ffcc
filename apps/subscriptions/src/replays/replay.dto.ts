import { ApiProperty } from '@nestjs/swagger';
import { Field, IsDateTime } from '../common/validators';
import type { ReplayJobStatus } from '@app/persistence';

export class CreateReplayDto {
  @Field('required', { format: 'date-time', description: 'Events received at or after this time.' }, IsDateTime('from', '2026-11-28T10:00:00Z'))
  from: string;

  @Field('required', { format: 'date-time', description: 'Events received before this time (a time in the future means now).' }, IsDateTime('to', '2026-11-28T11:00:00Z'))
  to: string;
}

const STATUSES: ReplayJobStatus[] = ['running', 'completed', 'failed'];

export class ReplayJobDto {
  @ApiProperty({ example: 'job_01jd...' }) id: string;
  @ApiProperty() endpointId: string;
  @ApiProperty({ format: 'date-time' }) from: string;
  @ApiProperty({ format: 'date-time', description: 'The end of the range, at most the time the replay was requested.' }) to: string;
  @ApiProperty({ enum: STATUSES }) status: ReplayJobStatus;
  @ApiProperty({ description: 'Matching events counted when the job started (the number published once completed).' }) total: number;
  @ApiProperty({ description: 'Delivery messages published so far.' }) published: number;
  @ApiProperty({ type: String, nullable: true, description: 'Why a failed job stopped.' }) error: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt: string | null;
}

import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { Mode, MODES } from '@app/contracts';
import { Field } from '../common/validators';
import { EventResponseDto } from '../history/history.dto';
import { EventTypesField } from './endpoint.dto';
import { FilterField } from './endpoint-filter.field';

export class FilterPreviewDto {
  @FilterField('required') filter: Record<string, unknown> | null;
  @Field('required', { enum: MODES, description: 'The mode of the endpoint: only events of this mode are tried.' }, IsIn(MODES)) mode: Mode;
  @EventTypesField('optional') eventTypes?: string[];
  @Field('optional', { minimum: 1, maximum: 50, default: 10, description: 'How many recent events to try.' }, IsInt(), Min(1), Max(50)) limit?: number;
}

export class FilterPreviewItemDto {
  @ApiProperty({ description: 'Whether the filter lets this event through.' }) matches: boolean;
  @ApiProperty({ type: EventResponseDto }) event: EventResponseDto;
}

export class FilterPreviewResultDto {
  @ApiProperty({ description: 'Recent events tried (newest first), at most `limit`.' }) tested: number;
  @ApiProperty({ description: 'How many of them the filter lets through.' }) matched: number;
  @ApiProperty({ type: [FilterPreviewItemDto] }) data: FilterPreviewItemDto[];
}


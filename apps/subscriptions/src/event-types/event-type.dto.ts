import { ApiProperty } from '@nestjs/swagger';

export class EventTypeResponseDto {
  @ApiProperty({ example: 'order.new' }) name: string;
  @ApiProperty() description: string;
}

/** The whole catalog in one response: it is a short reference list, not tenant data that grows. */
export class EventTypeListDto {
  @ApiProperty({ type: [EventTypeResponseDto] }) data: EventTypeResponseDto[];
}

import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty } from 'class-validator';
import { PAGE_LINKS } from '../common/pagination';
import { BoundedText, Field } from '../common/validators';

export class CreateApiKeyDto {
  @Field('required', { example: 'ci deploys', maxLength: 100 }, BoundedText(100), IsNotEmpty())
  name: string;
}

/** A key as listed: never its value, which only its creator saw once. */
export class ApiKeyResponseDto {
  @ApiProperty({ example: 'key_01jd...' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: 'shk_Ab12Cd', description: 'The first characters of the key, to tell keys apart.' }) prefix: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt: string | null;
}

export class ApiKeyCreatedDto extends ApiKeyResponseDto {
  @ApiProperty({ example: 'shk_...', description: 'Shown once; only its hash is stored.' }) apiKey: string;
}

export class ApiKeyPageDto {
  @ApiProperty({ type: [ApiKeyResponseDto] }) data: ApiKeyResponseDto[];
  @ApiProperty(PAGE_LINKS.nextCursor) nextCursor: string | null;
  @ApiProperty(PAGE_LINKS.prevCursor) prevCursor: string | null;
  @ApiProperty(PAGE_LINKS.hasMore) hasMore: boolean;
}

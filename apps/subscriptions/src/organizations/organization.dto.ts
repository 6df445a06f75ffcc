import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class CreateOrganizationDto {
  @ApiProperty({ example: 'Acme Inc.', maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;
}

export class OrganizationCreatedDto {
  @ApiProperty({ example: 'org_01jd...' })
  id: string;
  @ApiProperty()
  name: string;
  @ApiProperty({ description: 'Shown once; only its hash is stored.', example: 'shk_...' })
  apiKey: string;
}

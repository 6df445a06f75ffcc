import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty } from 'class-validator';
import { BoundedText, Field } from '../common/validators';

export class CreateOrganizationDto {
  @Field('required', { example: 'Acme Inc.', maxLength: 200 }, BoundedText(200), IsNotEmpty())
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

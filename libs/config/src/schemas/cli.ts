import 'reflect-metadata';
import { IsOptional, IsString, Matches } from 'class-validator';

/** The terminal command's defaults for --api and --key (flags win). */
export class CliConfig {
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'SOURCEHUB_API_URL must be an http(s) URL' })
  SOURCEHUB_API_URL?: string;

  @IsOptional()
  @IsString()
  SOURCEHUB_API_KEY?: string;
}

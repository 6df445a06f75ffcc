import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard, Auth, OrgAuth } from '../auth/auth.guards';
import { FilterPreviewDto, FilterPreviewResultDto } from './filter-preview.dto';
import { FilterPreviewService } from './filter-preview.service';

@ApiTags('endpoints')
@ApiBearerAuth('apiKey')
@Controller('v1/endpoints/filter-preview')
@UseGuards(ApiKeyGuard)
export class FilterPreviewController {
  constructor(private readonly previews: FilterPreviewService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    operationId: 'previewEndpointFilter',
    summary: 'Tries a filter against recent events of the organization',
    description: 'The newest events of `mode` (and `eventTypes`, default all) with whether `filter` matches each, as the fan-out would judge them. Stores and sends nothing.',
  })
  @ApiOkResponse({ type: FilterPreviewResultDto })
  @ApiBadRequestResponse({ description: 'An invalid filter (the message names `filter` and the bad part).' })
  preview(@Auth() auth: OrgAuth, @Body() body: FilterPreviewDto): Promise<FilterPreviewResultDto> {
    return this.previews.preview(auth, body);
  }
}

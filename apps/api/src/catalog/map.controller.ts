import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Infrastructure } from '../../../common/infrastructure';
import { RequireScopes } from '../platform/auth/require-scopes.decorator';
import { INFRA } from '../platform/tokens';
import { MapQuery } from './catalog.dto';

/** The data map of the catalog (the console's screen 4): the whole graph in one answer, as of any past date. */
@ApiTags('catalog')
@Controller('catalog')
export class CatalogMapController {
  constructor(@Inject(INFRA) private readonly infra: Infrastructure) {}

  @Get('map')
  @ApiOperation({
    summary: 'Data map: systems, processing activities and external recipients with the flows, activities\' systems and declared transfers between them, each transfer leaving the EEA with its mechanism and assessment (GDPR Art. 30, 44-49), as the catalog stood at as_of',
  })
  @RequireScopes('catalog:read')
  map(@Query() q: MapQuery) {
    return this.infra.app.catalog.map(q.as_of ? new Date(q.as_of) : null);
  }
}

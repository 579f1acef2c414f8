import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Infrastructure } from '../../../common/infrastructure';
import { RequireScopes } from '../platform/auth/require-scopes.decorator';
import { INFRA } from '../platform/tokens';
import { LineageQuery } from './catalog.dto';

/** Data lineage (the earlier governance module's track_data_lineage): where an element's data comes from and goes to. */
@ApiTags('catalog')
@Controller('catalog')
export class LineageController {
  constructor(@Inject(INFRA) private readonly infra: Infrastructure) {}

  @Get('elements/:id/lineage')
  @ApiOperation({ summary: 'Upstream and downstream systems, flows and activities of a data element, as the catalog stood at as_of' })
  @RequireScopes('catalog:read')
  lineage(@Param('id') id: string, @Query() q: LineageQuery) {
    return this.infra.app.catalog.lineage(id, { systemId: q.system_id ?? null, asOf: q.as_of ? new Date(q.as_of) : null });
  }
}

import { Module } from '@nestjs/common';
import type { Infrastructure } from '../../../common/infrastructure';
import { INFRA } from '../platform/tokens';
import { EventLogRightsCatalog, integrationResolver, RIGHTS_CATALOG } from './catalog-port';
import { RightsCommandHandler } from './rights.commands';
import { DataSubjectController, RightsController, RightsTasksController } from './rights.controller';
import { RightsService } from './rights.service';

@Module({
  controllers: [RightsController, RightsTasksController, DataSubjectController],
  providers: [
    RightsCommandHandler,
    RightsService,
    {
      provide: RIGHTS_CATALOG,
      useFactory: (infra: Infrastructure) => new EventLogRightsCatalog(infra.store, integrationResolver(infra.db, infra.config.kafkaBrokers.length > 0), infra.db),
      inject: [INFRA],
    },
  ],
})
export class RightsModule {}

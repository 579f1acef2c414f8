import { Module } from '@nestjs/common';
import type { Infrastructure } from '../../../common/infrastructure';
import { INFRA } from '../platform/tokens';
import { BreachController } from './breach.controller';
import { BREACH_CATALOG, EventLogBreachCatalog, ReadModelBreachCatalog, logReceiptSource } from './catalog-port';

@Module({
  controllers: [BreachController],
  providers: [
    { provide: BREACH_CATALOG, useFactory: (infra: Infrastructure) =>
        new ReadModelBreachCatalog(infra.db, infra.store, new EventLogBreachCatalog(infra.store, logReceiptSource(infra.store))), inject: [INFRA] },
  ],
})
export class BreachModule {}

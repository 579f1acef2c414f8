import { Module } from '@nestjs/common';
import type { Infrastructure } from '../../../common/infrastructure';
import { INFRA } from '../platform/tokens';
import { ConsentController } from './consent.controller';
import { ConsentService } from './consent.service';
import { CONSENT_BASES_LOOKUP, CachedLawfulBasisLookup, CatalogLawfulBasisLookup } from './lawful-basis-lookup';

@Module({
  controllers: [ConsentController],
  providers: [
    ConsentService,
    {
      provide: CONSENT_BASES_LOOKUP,
      inject: [INFRA],
      useFactory: (infra: Infrastructure) => new CachedLawfulBasisLookup(new CatalogLawfulBasisLookup(infra.db), Number(process.env.CONSENT_BASES_CACHE_MS ?? 1000)),
    },
  ],
})
export class ConsentModule {}

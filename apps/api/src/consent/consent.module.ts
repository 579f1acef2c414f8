import { Module } from '@nestjs/common';
import { ConsentCommandHandler } from './consent.commands';
import { ConsentController } from './consent.controller';
import { ConsentService } from './consent.service';
import { CONSENT_BASES_LOOKUP, CachedLawfulBasisLookup, noDeclaredBases } from './lawful-basis-lookup';

@Module({
  controllers: [ConsentController],
  providers: [ConsentCommandHandler, ConsentService, { provide: CONSENT_BASES_LOOKUP, useFactory: () => new CachedLawfulBasisLookup(noDeclaredBases) }],
})
export class ConsentModule {}

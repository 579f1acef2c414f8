import { Module } from '@nestjs/common';
import { ConsentController } from './consent.controller';

/** Routes only: the use cases are bound in the composition root (infra.app.consent). */
@Module({ controllers: [ConsentController] })
export class ConsentModule {}

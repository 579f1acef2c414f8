import { Module } from '@nestjs/common';
import { BreachController } from './breach.controller';

/** Routes only: the use cases are bound in the composition root (infra.app.breach). */
@Module({ controllers: [BreachController] })
export class BreachModule {}

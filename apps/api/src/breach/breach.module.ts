import { Module } from '@nestjs/common';
import { BreachController } from './breach.controller';

@Module({
  controllers: [BreachController],
  providers: [
  ],
})
export class BreachModule {}

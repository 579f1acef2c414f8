import { Module } from '@nestjs/common';
import { RightsCommandHandler } from './rights.commands';
import { DataSubjectController, RightsController, RightsTasksController } from './rights.controller';
import { RightsService } from './rights.service';

@Module({
  controllers: [RightsController, RightsTasksController, DataSubjectController],
  providers: [
    RightsCommandHandler,
    RightsService,
  ],
})
export class RightsModule {}

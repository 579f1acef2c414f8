import { Module } from '@nestjs/common';
import { DataSubjectController, RightsController, RightsTasksController } from './rights.controller';

/** Routes only: the use cases are bound in the composition root (apps/common/application.ts) and reached through AppCommand. */
@Module({
  controllers: [RightsController, RightsTasksController, DataSubjectController],
})
export class RightsModule {}

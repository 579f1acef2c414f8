import { Module } from '@nestjs/common';
import { SessionController } from './session.controller';

/** The console's server side: sign-in sessions. Its files are served by console-static.ts. */
@Module({ controllers: [SessionController] })
export class ConsoleModule {}

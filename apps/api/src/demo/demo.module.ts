import { Module } from '@nestjs/common';
import { DemoCommandHandler } from './demo.commands';
import { DemoController } from './demo.controller';

@Module({ controllers: [DemoController], providers: [DemoCommandHandler] })
export class DemoModule {}

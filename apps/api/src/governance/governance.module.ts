import { Module } from '@nestjs/common';
import { GovernanceCommandHandler } from './governance.commands';
import { GovernanceController } from './governance.controller';
import { PrivacyController } from './privacy.controller';

@Module({ controllers: [GovernanceController, PrivacyController], providers: [GovernanceCommandHandler] })
export class GovernanceModule {}

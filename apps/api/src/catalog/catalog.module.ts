import { Module } from '@nestjs/common';
import { CatalogController } from './catalog.controller';
import { PrivacyController } from './privacy.controller';

@Module({ controllers: [CatalogController, PrivacyController] })
export class CatalogModule {}

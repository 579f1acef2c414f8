import { Module } from '@nestjs/common';
import { CatalogController } from './catalog.controller';
import { PrivacyController } from './privacy.controller';
import { LineageController } from './lineage.controller';

@Module({ controllers: [CatalogController, PrivacyController, LineageController] })
export class CatalogModule {}

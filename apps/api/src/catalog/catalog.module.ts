import { Module } from '@nestjs/common';
import { CatalogController } from './catalog.controller';
import { PrivacyController } from './privacy.controller';
import { LineageController } from './lineage.controller';
import { CatalogMapController } from './map.controller';

@Module({ controllers: [CatalogController, PrivacyController, LineageController, CatalogMapController] })
export class CatalogModule {}

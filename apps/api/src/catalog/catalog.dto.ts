import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import type { catalog } from '@pl/domain';

/*
 * Edge validation of shapes and sizes; the deciders validate the content (taxonomy keys, countries,
 * lawful bases, references) and answer 400 with the reason.
 */

export class SystemDto {
  @ApiProperty({ type: String, maxLength: 64, example: 'system-crm' })
  @IsString() @Length(1, 64) system_id!: string;
  @ApiProperty({ type: String, maxLength: 200 })
  @IsString() @Length(1, 200) name!: string;
  @ApiProperty({ type: String, maxLength: 200 })
  @IsString() @Length(1, 200) owner!: string;
  @ApiPropertyOptional({ type: String, maxLength: 2000 })
  @IsOptional() @IsString() @MaxLength(2000) description?: string;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, maxItems: 50, minItems: 1 })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @IsObject({ each: true }) storage!: Array<{ country: string; region?: string }>;
  @ApiPropertyOptional({ enum: ['controller', 'processor'] })
  @IsOptional() @IsIn(['controller', 'processor']) role?: 'controller' | 'processor';
  @ApiPropertyOptional({ type: [String], maxItems: 100 })
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) recipients?: string[];
  @ApiPropertyOptional({ type: [String], maxItems: 100 })
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) security_measures?: string[];
  @ApiPropertyOptional({ type: Boolean })
  @IsOptional() @IsBoolean() consent_check?: boolean;
}

export class ElementDto {
  @ApiProperty({ type: String, maxLength: 64 })
  @IsString() @Length(1, 64) element_id!: string;
  @ApiProperty({ type: String, maxLength: 200 })
  @IsString() @Length(1, 200) name!: string;
  @ApiPropertyOptional({ type: String, maxLength: 120 })
  @IsOptional() @IsString() @MaxLength(120) category?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional() @IsObject() special?: { gdpr_art9?: boolean; gdpr_art10?: boolean; cpra_sensitive?: boolean };
  @ApiPropertyOptional({ type: String, maxLength: 200 })
  @IsOptional() @IsString() @MaxLength(200) source?: string;
}

export class ActivityDto {
  @ApiProperty({ type: String, maxLength: 64 })
  @IsString() @Length(1, 64) activity_id!: string;
  @ApiProperty({ type: String, maxLength: 200 })
  @IsString() @Length(1, 200) name!: string;
  @ApiPropertyOptional({ type: String, maxLength: 2000 })
  @IsOptional() @IsString() @MaxLength(2000) description?: string;
  /**
   * Art. 30(1)(a); `establishment: { country, region? }` (Art. 56 lead authority's member state) sets the calendar of GDPR request deadlines;
   * `retention_obligations: [{ category, period | years, counted_from?, year_end_month?, jurisdiction, statute }]` (Art. 17(3)(b)) replace the law data defaults in the erasure analysis.
   */
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: {
      name: 'Shop Ltd',
      contact: 'privacy@shop.example',
      establishment: { country: 'GB' },
      retention_obligations: [{ category: 'user.financial.transaction', years: 6, counted_from: 'end_of_financial_year', year_end_month: 3, jurisdiction: 'GB', statute: 'Finance Act 1998 Sch. 18 para 21 (six years from the end of the accounting period)' }],
    },
  })
  @IsObject() controller!: { name: string; contact: string; establishment?: { country: string; region?: string | null } | null; retention_obligations?: catalog.RetentionObligationInput[] | null };
  @ApiPropertyOptional({ type: 'array', items: { type: 'object', additionalProperties: true }, maxItems: 20 })
  @IsOptional() @IsArray() @ArrayMaxSize(20) @IsObject({ each: true }) joint_controllers?: Array<{ name: string; contact: string }>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional() @IsObject() representative?: { name: string; contact: string };
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional() @IsObject() dpo?: { name: string; contact: string };
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, maxItems: 50, minItems: 1 })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @IsObject({ each: true }) purposes!: Array<{ purpose: string; lawful_basis: string; basis_detail?: string; categories?: string[] }>;
  @ApiProperty({ type: [String], maxItems: 50 })
  @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) subject_categories!: string[];
  @ApiProperty({ type: [String], maxItems: 200 })
  @IsArray() @ArrayMaxSize(200) @IsString({ each: true }) data_categories!: string[];
  @ApiPropertyOptional({ type: String, maxLength: 60 })
  @IsOptional() @IsString() @MaxLength(60) art9_condition?: string;
  @ApiPropertyOptional({ type: [String], maxItems: 100 })
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) recipients?: string[];
  @ApiPropertyOptional({ type: 'array', items: { type: 'object', additionalProperties: true }, maxItems: 100 })
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsObject({ each: true }) transfers?: catalog.DeclaredTransferInput[];
  @ApiPropertyOptional({ type: 'array', items: { type: 'object', additionalProperties: true }, maxItems: 100 })
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsObject({ each: true }) retention?: Array<{ category?: string; period: string; reason?: string }>;
  @ApiPropertyOptional({ type: [String], maxItems: 100 })
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) security_measures?: string[];
  @ApiProperty({ type: [String], maxItems: 100 })
  @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) systems!: string[];
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional() @IsObject() risk?: Record<string, unknown>;
}

export class FlowDto {
  @ApiProperty({ type: String, maxLength: 64 })
  @IsString() @Length(1, 64) flow_id!: string;
  @ApiPropertyOptional({ type: String, maxLength: 2000 })
  @IsOptional() @IsString() @MaxLength(2000) description?: string;
  @ApiProperty({ type: String, maxLength: 64 })
  @IsString() @Length(1, 64) source_system!: string;
  @ApiPropertyOptional({ type: String, maxLength: 64 })
  @IsOptional() @IsString() @Length(1, 64) target_system?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional() @IsObject() recipient?: { name: string; role?: 'controller' | 'processor'; dpf_certified?: boolean; commercial_organisation?: boolean };
  @ApiProperty({ type: [String], maxItems: 200, minItems: 1 })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(200) @IsString({ each: true }) categories!: string[];
  @ApiPropertyOptional({ type: String, maxLength: 8 })
  @IsOptional() @IsString() @MaxLength(8) destination_country?: string;
  @ApiPropertyOptional({ type: String, maxLength: 40 })
  @IsOptional() @IsString() @MaxLength(40) destination_organisation?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional() @IsObject() mechanism?: Record<string, unknown>;
}

export class ProcessorRecordDto {
  @ApiProperty({ type: String, maxLength: 64 })
  @IsString() @Length(1, 64) record_id!: string;
  @ApiProperty({ type: 'object', additionalProperties: true })
  @IsObject() processor!: { name: string; contact: string };
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, maxItems: 100, minItems: 1 })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100) @IsObject({ each: true }) controllers!: Array<{ name: string; contact: string }>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional() @IsObject() representative?: { name: string; contact: string };
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional() @IsObject() dpo?: { name: string; contact: string };
  @ApiProperty({ type: [String], maxItems: 100, minItems: 1 })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100) @IsString({ each: true }) processing_categories!: string[];
  @ApiPropertyOptional({ type: 'array', items: { type: 'object', additionalProperties: true }, maxItems: 100 })
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsObject({ each: true }) transfers?: catalog.DeclaredTransferInput[];
  @ApiPropertyOptional({ type: [String], maxItems: 100 })
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) security_measures?: string[];
  @ApiPropertyOptional({ type: [String], maxItems: 100 })
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) systems?: string[];
}

export class ManifestDto {
  @ApiProperty({ type: String, maxLength: 200_000 })
  @IsString() @Length(1, 200_000) manifest_yaml!: string;
}

export class RopaQuery {
  @ApiPropertyOptional({ enum: ['controller', 'processor'] })
  @IsOptional() @IsIn(['controller', 'processor']) view?: 'controller' | 'processor';
  @ApiPropertyOptional({ enum: ['json', 'csv'] })
  @IsOptional() @IsIn(['json', 'csv']) format?: 'json' | 'csv';
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional() @IsISO8601({ strict: true }) as_of?: string;
}

export class LineageQuery {
  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'the catalog as it stood at this time (default: now)' })
  @IsOptional() @IsISO8601({ strict: true }) as_of?: string;
  @ApiPropertyOptional({ type: String, description: 'the system of the element, when several systems have an element of this id' })
  @IsOptional() @IsString() @Length(1, 64) system_id?: string;
}

export class MapQuery {
  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'the catalog as it stood at this time (default: now; not in the future)' })
  @IsOptional() @IsISO8601({ strict: true }) as_of?: string;
}

export class AtQuery {
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional() @IsISO8601({ strict: true }) at?: string;
}

export class RetentionQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 3650 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(3650) due_soon_days?: number;
}

export class ReceiptDto {
  @ApiProperty({ type: String, maxLength: 256, example: 'user-123' })
  @IsString() @Length(1, 256) user_id!: string;
  @ApiProperty({ type: String, maxLength: 64, example: 'system-crm' })
  @IsString() @Length(1, 64) system_id!: string;
  @ApiProperty({ type: String, maxLength: 120 })
  @IsString() @Length(1, 120) data_category!: string;
  @ApiProperty({ type: String, maxLength: 120 })
  @IsString() @Length(1, 120) processing_purpose!: string;
  @ApiProperty({ type: String, format: 'date-time' })
  @IsISO8601({ strict: true }) stored_at!: string;
  @ApiPropertyOptional({ type: String, format: 'uuid' })
  @IsOptional() @IsUUID() receipt_id?: string;
}

export class ReceiptBatchDto {
  @ApiProperty({ type: () => [ReceiptDto], maxItems: 1000, minItems: 1 })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(1000) @ValidateNested({ each: true }) @Type(() => ReceiptDto) receipts!: ReceiptDto[];
}

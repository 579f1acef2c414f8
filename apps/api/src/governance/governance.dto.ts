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

/*
 * Edge validation of shapes and sizes; the deciders validate the content (taxonomy keys, countries,
 * lawful bases, references) and answer 400 with the reason.
 */

export class SystemDto {
  @IsString() @Length(1, 64) system_id!: string;
  @IsString() @Length(1, 200) name!: string;
  @IsString() @Length(1, 200) owner!: string;
  @IsOptional() @IsString() @MaxLength(2000) description?: string;
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @IsObject({ each: true }) storage!: Array<{ country: string; region?: string }>;
  @IsOptional() @IsIn(['controller', 'processor']) role?: 'controller' | 'processor';
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) recipients?: string[];
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) security_measures?: string[];
  @IsOptional() @IsBoolean() consent_check?: boolean;
}

export class ElementDto {
  @IsString() @Length(1, 64) element_id!: string;
  @IsString() @Length(1, 200) name!: string;
  @IsOptional() @IsString() @MaxLength(120) category?: string;
  @IsOptional() @IsObject() special?: { gdpr_art9?: boolean; gdpr_art10?: boolean; cpra_sensitive?: boolean };
  @IsOptional() @IsString() @MaxLength(200) source?: string;
}

export class ActivityDto {
  @IsString() @Length(1, 64) activity_id!: string;
  @IsString() @Length(1, 200) name!: string;
  @IsOptional() @IsString() @MaxLength(2000) description?: string;
  @IsObject() controller!: { name: string; contact: string };
  @IsOptional() @IsArray() @ArrayMaxSize(20) @IsObject({ each: true }) joint_controllers?: Array<{ name: string; contact: string }>;
  @IsOptional() @IsObject() representative?: { name: string; contact: string };
  @IsOptional() @IsObject() dpo?: { name: string; contact: string };
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @IsObject({ each: true }) purposes!: Array<{ purpose: string; lawful_basis: string; basis_detail?: string; categories?: string[] }>;
  @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) subject_categories!: string[];
  @IsArray() @ArrayMaxSize(200) @IsString({ each: true }) data_categories!: string[];
  @IsOptional() @IsString() @MaxLength(60) art9_condition?: string;
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) recipients?: string[];
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsObject({ each: true }) transfers?: Array<{ country: string; recipient: string; safeguard?: string }>;
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsObject({ each: true }) retention?: Array<{ category?: string; period: string; reason?: string }>;
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) security_measures?: string[];
  @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) systems!: string[];
  @IsOptional() @IsObject() risk?: Record<string, unknown>;
}

export class FlowDto {
  @IsString() @Length(1, 64) flow_id!: string;
  @IsOptional() @IsString() @MaxLength(2000) description?: string;
  @IsString() @Length(1, 64) source_system!: string;
  @IsOptional() @IsString() @Length(1, 64) target_system?: string;
  @IsOptional() @IsObject() recipient?: { name: string; role?: 'controller' | 'processor'; dpf_certified?: boolean; commercial_organisation?: boolean };
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(200) @IsString({ each: true }) categories!: string[];
  @IsOptional() @IsString() @MaxLength(8) destination_country?: string;
  @IsOptional() @IsString() @MaxLength(40) destination_organisation?: string;
  @IsOptional() @IsObject() mechanism?: Record<string, unknown>;
}

export class ProcessorRecordDto {
  @IsString() @Length(1, 64) record_id!: string;
  @IsObject() processor!: { name: string; contact: string };
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100) @IsObject({ each: true }) controllers!: Array<{ name: string; contact: string }>;
  @IsOptional() @IsObject() representative?: { name: string; contact: string };
  @IsOptional() @IsObject() dpo?: { name: string; contact: string };
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100) @IsString({ each: true }) processing_categories!: string[];
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsObject({ each: true }) transfers?: Array<{ country: string; recipient: string; safeguard?: string }>;
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) security_measures?: string[];
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) systems?: string[];
}

export class ManifestDto {
  @IsString() @Length(1, 200_000) manifest_yaml!: string;
}

export class RopaQuery {
  @IsOptional() @IsIn(['controller', 'processor']) view?: 'controller' | 'processor';
  @IsOptional() @IsIn(['json', 'csv']) format?: 'json' | 'csv';
  @IsOptional() @IsISO8601({ strict: true }) as_of?: string;
}

export class AtQuery {
  @IsOptional() @IsISO8601({ strict: true }) at?: string;
}

export class RetentionQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(3650) due_soon_days?: number;
}

export class ReceiptDto {
  @IsString() @Length(1, 256) user_id!: string;
  @IsString() @Length(1, 64) system_id!: string;
  @IsString() @Length(1, 120) data_category!: string;
  @IsString() @Length(1, 120) processing_purpose!: string;
  @IsISO8601({ strict: true }) stored_at!: string;
  @IsOptional() @IsUUID() receipt_id?: string;
}

export class ReceiptBatchDto {
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(1000) @ValidateNested({ each: true }) @Type(() => ReceiptDto) receipts!: ReceiptDto[];
}

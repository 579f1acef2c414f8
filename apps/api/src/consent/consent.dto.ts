import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Length,
  MaxLength,
  ValidateNested,
} from 'class-validator';

export const CONSENT_STATUSES = ['granted', 'given', 'accepted', 'denied', 'refused', 'rejected', 'withdrawn'] as const;
export type ConsentStatusValue = (typeof CONSENT_STATUSES)[number];

export class RecordConsentDto {
  @IsString() @Length(1, 256) user_id!: string;
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 128, { each: true }) data_categories!: string[];
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 128, { each: true }) processing_purposes!: string[];
  @IsIn(CONSENT_STATUSES) consent_status!: ConsentStatusValue;
  @IsISO8601({ strict: true }) consent_timestamp!: string;
  @IsOptional() @IsISO8601({ strict: true }) expiry_timestamp?: string;
  @IsOptional() @IsString() @MaxLength(16384) consent_string?: string;
  @IsString() @Length(1, 64) legal_basis!: string;
  @IsString() @Length(1, 64) consent_version!: string;
  @IsOptional() @IsObject() consent_metadata?: Record<string, unknown>;
}

export class WithdrawConsentDto {
  @IsString() @Length(1, 256) user_id!: string;
  /** Empty (or `["all"]`) withdraws every category. */
  @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 128, { each: true }) data_categories!: string[];
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 128, { each: true }) processing_purposes?: string[];
}

export class ValidateCheckDto {
  @IsString() @Length(1, 256) user_id!: string;
  @IsString() @Length(1, 128) data_category!: string;
  @IsString() @Length(1, 128) processing_purpose!: string;
}

export class ValidateBatchDto {
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(1000) @ValidateNested({ each: true }) @Type(() => ValidateCheckDto) checks!: ValidateCheckDto[];
}

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

const CHECK_FIELDS = ['user_id', 'data_category', 'processing_purpose'] as const;
export const MAX_BATCH_CHECKS = 1000;

/**
 * The batch body checked by hand: class-validator over 1,000 nested objects costs more than the
 * checks themselves. Same rules as ValidateCheckDto (strings of bounded length, no extra fields).
 */
export function parseBatchBody(body: unknown): { checks: ValidateCheckDto[] } | { problem: string } {
  const b = body as { checks?: unknown } | null;
  if (!b || typeof b !== 'object' || Array.isArray(b)) return { problem: 'body must be an object with checks[]' };
  const extra = Object.keys(b).filter((k) => k !== 'checks');
  if (extra.length) return { problem: `property ${extra[0]} should not exist` };
  if (!Array.isArray(b.checks) || b.checks.length < 1 || b.checks.length > MAX_BATCH_CHECKS) return { problem: `checks must be an array of 1 to ${MAX_BATCH_CHECKS} checks` };
  for (const [i, c] of (b.checks as unknown[]).entries()) {
    if (!c || typeof c !== 'object' || Array.isArray(c)) return { problem: `checks[${i}] must be an object` };
    const o = c as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!(CHECK_FIELDS as readonly string[]).includes(k)) return { problem: `checks[${i}].${k} should not exist` };
    for (const f of CHECK_FIELDS) {
      const v = o[f];
      const max = f === 'user_id' ? 256 : 128;
      if (typeof v !== 'string' || v.length < 1 || v.length > max) return { problem: `checks[${i}].${f} must be a string of 1 to ${max} characters` };
    }
  }
  return { checks: b.checks as ValidateCheckDto[] };
}

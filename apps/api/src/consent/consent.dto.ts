import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import type { RecordConsentInput, ValidateCheck, WithdrawConsentInput } from '@pl/application/consent';
import { subjectBody } from '../platform/http/query-subject';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

/** pending and expired: the earlier service's statuses (docs/migration.md says what they mean here). */
export const CONSENT_STATUSES = ['given', 'granted', 'accepted', 'denied', 'refused', 'rejected', 'withdrawn', 'pending', 'expired'] as const;
export type ConsentStatusValue = (typeof CONSENT_STATUSES)[number];

export class RecordConsentDto implements RecordConsentInput {
  @ApiProperty({ example: 'user-123', maxLength: 256 })
  @IsString() @Length(1, 256) user_id!: string;
  @ApiProperty({ type: [String], example: ['user.contact.email'], minItems: 1, maxItems: 50 })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 128, { each: true }) data_categories!: string[];
  @ApiProperty({ type: [String], example: ['marketing.communications.email'], minItems: 1, maxItems: 50 })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 128, { each: true }) processing_purposes!: string[];
  @ApiProperty({ enum: CONSENT_STATUSES, example: 'given', description: 'pending records nothing (not a consent, 202); expired needs expiry_date in the past' })
  @IsIn(CONSENT_STATUSES) consent_status!: ConsentStatusValue;
  @ApiProperty({ format: 'date-time', example: '2026-01-15T10:00:00Z', description: 'without a zone: UTC' })
  @IsISO8601({ strict: true }) consent_timestamp!: string;
  @ApiPropertyOptional({ format: 'date-time', example: '2027-01-15T10:00:00Z' })
  @IsOptional() @IsISO8601({ strict: true }) expiry_timestamp?: string | null;
  @ApiPropertyOptional({ format: 'date-time', description: "The earlier service's name for expiry_timestamp" })
  @IsOptional() @IsISO8601({ strict: true }) expiry_date?: string | null;
  @ApiPropertyOptional({ format: 'uuid', description: "The client's own consent id (the earlier service's shape): the ledger's id for this consent; a retry with it records nothing twice" })
  @IsOptional() @IsUUID() consent_id?: string | null;
  @ApiPropertyOptional({ format: 'date-time', description: 'With consent_status withdrawn: recorded with the withdrawal and answered as client_withdrawal_timestamp; the withdrawal counts from when the ledger receives it (GDPR Art. 7(3))' })
  @IsOptional() @IsISO8601({ strict: true }) withdrawal_timestamp?: string | null;
  @ApiPropertyOptional({ description: 'IAB TCF or GPP consent string', maxLength: 16384 })
  @IsOptional() @IsString() @MaxLength(16384) consent_string?: string | null;
  @ApiProperty({ example: 'consent', maxLength: 64 })
  @IsString() @Length(1, 64) legal_basis!: string;
  @ApiProperty({ example: 'v3', maxLength: 64 })
  @IsString() @Length(1, 64) consent_version!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Proof of consent (GDPR Art. 7(1)): notice, method, channel, ...', example: { notice_id: 'newsletter-form', notice_version: '3', method: 'checkbox', channel: 'web', ip_address: '203.0.113.7' } })
  @IsOptional() @IsObject() consent_metadata?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'Required when data_categories name a special category (GDPR Art. 9(1)), with legal_basis explicit_consent: how the consent was made explicit (Art. 9(2)(a))', example: 'two_stage_verification', maxLength: 64 })
  @IsOptional() @IsString() @Length(1, 64) explicit_consent_method?: string;
  @ApiPropertyOptional({ description: "The subject's age in whole years (GDPR Art. 8; Civ. § 1798.120(c)); only its band is kept. With jurisdiction and age_established_by", minimum: 0, maximum: 130 })
  @IsOptional() @IsInt() @Min(0) @Max(130) subject_age?: number;
  @ApiPropertyOptional({ description: 'Where the subject is: EU/EEA country code (DE, FR, ...) or US-CA', example: 'DE', maxLength: 8 })
  @IsOptional() @IsString() @Length(2, 8) jurisdiction?: string;
  @ApiPropertyOptional({ description: 'How the age was established (self_declaration, parental_declaration, account_record, id_document_check, age_estimation, third_party_verification)', maxLength: 64 })
  @IsOptional() @IsString() @Length(1, 64) age_established_by?: string;
  @ApiPropertyOptional({ description: 'Who gave the consent: subject (default) or holder_of_parental_responsibility', maxLength: 64 })
  @IsOptional() @IsString() @Length(1, 64) given_by?: string;
  @ApiPropertyOptional({ description: 'How the holder of parental responsibility was verified (email_confirmation, signed_form, payment_card_check, id_document_check, video_call)', maxLength: 64 })
  @IsOptional() @IsString() @Length(1, 64) parental_verification?: string;
}

export class WithdrawConsentDto implements WithdrawConsentInput {
  @ApiProperty({ example: 'user-123', maxLength: 256 })
  @IsString() @Length(1, 256) user_id!: string;
  /** Empty (or `["all"]`) withdraws every category. */
  @ApiProperty({ type: [String], description: 'Empty (or ["all"]) withdraws every category', example: ['user.contact.email'], maxItems: 50 })
  @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 128, { each: true }) data_categories!: string[];
  @ApiPropertyOptional({ type: [String], example: ['marketing.communications.email'], maxItems: 50 })
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 128, { each: true }) processing_purposes?: string[];
}

export class ValidateCheckDto implements ValidateCheck {
  @ApiProperty({ example: 'user-123', maxLength: 256 })
  @IsString() @Length(1, 256) user_id!: string;
  @ApiProperty({ example: 'user.contact.email', maxLength: 128 })
  @IsString() @Length(1, 128) data_category!: string;
  @ApiProperty({ example: 'marketing.communications.email', maxLength: 128 })
  @IsString() @Length(1, 128) processing_purpose!: string;
}

export class ValidateBatchDto {
  @ApiProperty({ type: () => [ValidateCheckDto], minItems: 1, maxItems: 1000 })
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
  if (extra.length) return { problem: 'the body has a field other than checks' };
  if (!Array.isArray(b.checks) || b.checks.length < 1 || b.checks.length > MAX_BATCH_CHECKS) return { problem: `checks must be an array of 1 to ${MAX_BATCH_CHECKS} checks` };
  for (const [i, c] of (b.checks as unknown[]).entries()) {
    if (!c || typeof c !== 'object' || Array.isArray(c)) return { problem: `checks[${i}] must be an object` };
    const o = c as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!(CHECK_FIELDS as readonly string[]).includes(k)) return { problem: `checks[${i}] has a field other than ${CHECK_FIELDS.join(', ')}` };
    for (const f of CHECK_FIELDS) {
      const v = o[f];
      const max = f === 'user_id' ? 256 : 128;
      if (typeof v !== 'string' || v.length < 1 || v.length > max) return { problem: `checks[${i}].${f} must be a string of 1 to ${max} characters` };
    }
  }
  return { checks: b.checks as ValidateCheckDto[] };
}

/** `{ user_id, data_categories, processing_purposes? }`, or the earlier service's `?user_id=U` with a JSON array of categories. */
export const withdrawInput = (body: unknown, userId: unknown): Promise<WithdrawConsentDto> => subjectBody(WithdrawConsentDto, body, userId, 'data_categories');

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** GET /consent/metrics: counts over time (UTC days), a year and a day at most by day, three years by week. */
export class ConsentMetricsQuery {
  @ApiProperty({ type: String, format: 'date', example: '2026-11-01', description: 'first UTC day, inclusive' })
  @IsString() @Matches(DAY, { message: 'from must be a date YYYY-MM-DD' }) @IsISO8601({ strict: true }, { message: 'from must be a date YYYY-MM-DD' }) from!: string;
  @ApiProperty({ type: String, format: 'date', example: '2026-12-03', description: 'last UTC day, inclusive' })
  @IsString() @Matches(DAY, { message: 'to must be a date YYYY-MM-DD' }) @IsISO8601({ strict: true }, { message: 'to must be a date YYYY-MM-DD' }) to!: string;
  @ApiPropertyOptional({ enum: ['day', 'week'], description: 'week: ISO weeks starting Monday, labelled by their Monday' })
  @IsOptional() @IsIn(['day', 'week']) bucket?: 'day' | 'week';
}

export class ConsentCountDto {
  @ApiProperty({ type: String, format: 'date', description: 'the UTC day, or the Monday of the week' }) period!: string;
  @ApiProperty({ type: String, description: 'the processing purpose; for opt_out the opt-out kind (sale, sharing, sensitive_limit, targeted_advertising)' }) purpose!: string;
  @ApiProperty({ enum: ['granted', 'renewed', 'refused', 'withdrawn', 'expired', 'opt_out', 'opted_out'] }) kind!: string;
  @ApiProperty({ type: String, nullable: true, description: 'opt_out: the signal (gpc, gpp, usp, api); opted_out: the signals that ended the grant; null otherwise' }) signal!: string | null;
  @ApiProperty({ type: 'integer', description: 'events (one per event and purpose)' }) count!: number;
}

export class ConsentMetricsDto {
  @ApiProperty({ type: String, format: 'date' }) from!: string;
  @ApiProperty({ type: String, format: 'date' }) to!: string;
  @ApiProperty({ enum: ['day', 'week'] }) bucket!: string;
  @ApiProperty({ type: String, example: 'UTC' }) timezone!: string;
  @ApiProperty({ type: [ConsentCountDto] }) series!: ConsentCountDto[];
}

export class ConsentConflictsQuery {
  @ApiPropertyOptional({ enum: ['gpc_vs_consent', 'opt_out_vs_consent', 'gpc_vs_signal', 'gpp_vs_usp'] })
  @IsOptional() @IsIn(['gpc_vs_consent', 'opt_out_vs_consent', 'gpc_vs_signal', 'gpp_vs_usp']) kind?: string;
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @ApiPropertyOptional({ type: String, maxLength: 400, description: 'the next value of a previous page' })
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_-]{1,400}$/, { message: 'after must be the next value of a previous page' }) after?: string;
}

export class ConflictRuleDto {
  @ApiProperty({ enum: ['opt_out'] }) prevails!: string;
  @ApiProperty({ type: String }) source!: string;
}

export class SignalConflictDto {
  @ApiProperty({ type: String, example: 'sub_0123456789abcdefghijklmnopqrstuv', description: 'the pseudonymous subject key (GET /consent/subjects/{subject_key})' }) subject_key!: string;
  @ApiProperty({ enum: ['gpc_vs_consent', 'opt_out_vs_consent', 'gpc_vs_signal', 'gpp_vs_usp'] }) conflict!: string;
  @ApiProperty({ type: [String], example: ['gpc'] }) signals!: string[];
  @ApiProperty({ type: String, nullable: true }) consent_id!: string | null;
  @ApiProperty({ type: [String] }) purposes!: string[];
  @ApiProperty({ type: [String] }) opt_outs!: string[];
  @ApiProperty({ type: String, format: 'date-time' }) since!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) reask_allowed_from!: string | null;
  @ApiProperty({ type: ConflictRuleDto }) rule!: ConflictRuleDto;
}

export class SignalConflictsDto {
  @ApiProperty({ type: [SignalConflictDto] }) conflicts!: SignalConflictDto[];
  @ApiProperty({ type: String, nullable: true, description: 'after= for the next page; null on the last' }) next!: string | null;
}

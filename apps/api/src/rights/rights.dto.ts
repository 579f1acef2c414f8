import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { JURISDICTIONS, REQUEST_TYPES, type Jurisdiction, type RequestType } from '@pl/domain/rights';

const CHANNELS = ['api', 'web_form', 'email', 'phone', 'post', 'in_person', 'gpc', 'other'] as const;
const AGENT_KINDS = ['authorised_agent', 'power_of_attorney'] as const;
const OBJECTION_SCOPES = ['direct_marketing', 'legitimate_interests_public_task'] as const;
const METHODS = ['account_authentication', 'data_points', 'documents', 'other'] as const;
const OUTCOMES = ['done', 'no_data', 'cannot_comply'] as const;
const REJECTIONS = ['identity_not_verified', 'manifestly_unfounded', 'excessive'] as const;

export class AgentDto {
  @IsIn(AGENT_KINDS) kind!: (typeof AGENT_KINDS)[number];
}

export class ObjectionDto {
  @IsIn(OBJECTION_SCOPES) scope!: (typeof OBJECTION_SCOPES)[number];
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 128, { each: true }) purposes?: string[];
}

export class CreateRequestDto {
  @IsString() @Length(1, 256) user_id!: string;
  @IsIn(REQUEST_TYPES) request_type!: RequestType;
  @IsIn(JURISDICTIONS) jurisdiction!: Jurisdiction;
  @IsOptional() @IsIn(CHANNELS) channel?: (typeof CHANNELS)[number];
  @IsOptional() @ValidateNested() @Type(() => AgentDto) authorised_agent?: AgentDto;
  @IsOptional() @IsBoolean() is_account_holder?: boolean;
  @IsOptional() @IsIn(['categories', 'specific_pieces']) access_scope?: 'categories' | 'specific_pieces';
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 128, { each: true }) data_categories?: string[];
  @IsOptional() @ValidateNested() @Type(() => ObjectionDto) objection?: ObjectionDto;
  /** Rectification: corrected value per data category (`{ "user.contact.email": "new@example.com" }`). */
  @IsOptional() @IsObject() corrections?: Record<string, string>;
}

export class VerifyDto {
  @IsIn(METHODS) method!: (typeof METHODS)[number];
  @IsOptional() @IsInt() @Min(0) @Max(20) data_points_matched?: number;
  @IsOptional() @IsBoolean() signed_declaration?: boolean;
  @IsOptional() @IsBoolean() agent_permission_verified?: boolean;
}

export class ReasonDto {
  @IsString() @Length(1, 1000) reason!: string;
}

export class RejectDto {
  @IsIn(REJECTIONS) reason!: (typeof REJECTIONS)[number];
  @IsString() @Length(1, 2000) explanation!: string;
}

export class GroundsDto {
  @IsString() @Length(1, 2000) grounds!: string;
}

export class RetainedDto {
  @IsString() @Length(1, 128) category!: string;
  @IsString() @Length(1, 128) reason_code!: string;
  @IsString() @Length(1, 300) source!: string;
  @IsString() @Length(1, 1000) explanation!: string;
  @IsOptional() @IsString() @MaxLength(10) retain_until?: string;
}

export class TaskResultDto {
  @IsIn(OUTCOMES) outcome!: (typeof OUTCOMES)[number];
  @IsOptional() @IsInt() @Min(0) records_affected?: number;
  @IsOptional() @IsString() @Length(1, 1000) reason?: string;
  @IsOptional() @IsArray() @ArrayMaxSize(100) @ValidateNested({ each: true }) @Type(() => RetainedDto) retained?: RetainedDto[];
  /** Access/portability: the data the system holds, keyed `<category>` or `<category>#<name>`. Encrypted in the log. */
  @IsOptional() @IsObject() data?: Record<string, unknown>;
}

export class ErasureDto {
  @IsString() @Length(1, 256) user_id!: string;
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 128, { each: true }) data_categories?: string[];
  @IsOptional() @IsIn(JURISDICTIONS) jurisdiction?: Jurisdiction;
}

export class JurisdictionQuery {
  @IsOptional() @IsIn(JURISDICTIONS) jurisdiction?: Jurisdiction;
  /** CCPA: data older than the 12-month look-back, back to 1 Jan 2022. */
  @IsOptional() @IsIn(['true', 'false']) full_history?: 'true' | 'false';
}

export class ExportQuery {
  @IsOptional() @IsIn(['json', 'csv']) format?: 'json' | 'csv';
  @IsOptional() @IsIn(JURISDICTIONS) jurisdiction?: Jurisdiction;
}

export class ListQuery {
  @IsOptional() @IsIn(['received', 'verified', 'in_progress', 'completed', 'partially_completed', 'rejected']) status?: string;
  @IsOptional() @IsIn(['true', 'false']) overdue?: 'true' | 'false';
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
}

export class OpenTasksQuery {
  @IsOptional() @IsIn(['kafka', 'webhook', 'manual']) integration?: 'kafka' | 'webhook' | 'manual';
  @IsOptional() @IsString() @Length(1, 200) system_id?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
}

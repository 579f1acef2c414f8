import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { JURISDICTIONS, REQUEST_TYPES, type Jurisdiction, type RequestType } from '@pl/domain/rights';

const CHANNELS = ['api', 'web_form', 'email', 'phone', 'post', 'in_person', 'gpc', 'other'] as const;
const AGENT_KINDS = ['authorised_agent', 'power_of_attorney'] as const;
const OBJECTION_SCOPES = ['direct_marketing', 'legitimate_interests_public_task'] as const;
const METHODS = ['account_authentication', 'data_points', 'documents', 'other'] as const;
const OUTCOMES = ['done', 'no_data', 'cannot_comply'] as const;
const REJECTIONS = ['identity_not_verified', 'manifestly_unfounded', 'excessive'] as const;

export class AgentDto {
  @ApiProperty({ enum: AGENT_KINDS })
  @IsIn(AGENT_KINDS) kind!: (typeof AGENT_KINDS)[number];
}

export class ObjectionDto {
  @ApiProperty({ enum: OBJECTION_SCOPES })
  @IsIn(OBJECTION_SCOPES) scope!: (typeof OBJECTION_SCOPES)[number];
  @ApiPropertyOptional({ type: [String], maxItems: 50 })
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 128, { each: true }) purposes?: string[];
}

/** Where the controller is established (Art. 56: the lead authority's member state) and the region whose holidays count. */
export class EstablishmentDto {
  @ApiProperty({ type: String, example: 'DE', description: 'ISO 3166-1 alpha-2' })
  @Matches(/^[A-Z]{2}$/) country!: string;
  @ApiPropertyOptional({ type: String, example: 'BY', description: 'region code of the holiday calendar (DE Land, UK nation ENG/WLS/SCT/NIR, US state)' })
  @IsOptional() @Matches(/^[A-Z0-9]{1,8}$/) region?: string;
}

export class CreateRequestDto {
  @ApiProperty({ type: String, maxLength: 256, example: 'user-123' })
  @IsString() @Length(1, 256) user_id!: string;
  @ApiProperty({ enum: REQUEST_TYPES })
  @IsIn(REQUEST_TYPES) request_type!: RequestType;
  @ApiProperty({ enum: JURISDICTIONS })
  @IsIn(JURISDICTIONS) jurisdiction!: Jurisdiction;
  @ApiPropertyOptional({ enum: CHANNELS })
  @IsOptional() @IsIn(CHANNELS) channel?: (typeof CHANNELS)[number];
  @ApiPropertyOptional({ type: () => AgentDto })
  @IsOptional() @ValidateNested() @Type(() => AgentDto) authorised_agent?: AgentDto;
  @ApiPropertyOptional({ type: Boolean })
  @IsOptional() @IsBoolean() is_account_holder?: boolean;
  @ApiPropertyOptional({ enum: ['categories', 'specific_pieces'] })
  @IsOptional() @IsIn(['categories', 'specific_pieces']) access_scope?: 'categories' | 'specific_pieces';
  @ApiPropertyOptional({ type: [String], maxItems: 50 })
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 128, { each: true }) data_categories?: string[];
  @ApiPropertyOptional({ type: () => ObjectionDto })
  @IsOptional() @ValidateNested() @Type(() => ObjectionDto) objection?: ObjectionDto;
  /** Rectification: corrected value per data category (`{ "user.contact.email": "new@example.com" }`). */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional() @IsObject() corrections?: Record<string, string>;
  /** GDPR: this request's establishment, instead of the one the catalog's controllers declare (default England). */
  @ApiPropertyOptional({ type: () => EstablishmentDto })
  @IsOptional() @ValidateNested() @Type(() => EstablishmentDto) establishment?: EstablishmentDto;
}

export class VerifyDto {
  @ApiProperty({ enum: METHODS })
  @IsIn(METHODS) method!: (typeof METHODS)[number];
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 20 })
  @IsOptional() @IsInt() @Min(0) @Max(20) data_points_matched?: number;
  @ApiPropertyOptional({ type: Boolean })
  @IsOptional() @IsBoolean() signed_declaration?: boolean;
  @ApiPropertyOptional({ type: Boolean })
  @IsOptional() @IsBoolean() agent_permission_verified?: boolean;
}

export class ReasonDto {
  @ApiProperty({ type: String, maxLength: 1000 })
  @IsString() @Length(1, 1000) reason!: string;
}

export class RejectDto {
  @ApiProperty({ enum: REJECTIONS })
  @IsIn(REJECTIONS) reason!: (typeof REJECTIONS)[number];
  @ApiProperty({ type: String, maxLength: 2000 })
  @IsString() @Length(1, 2000) explanation!: string;
}

export class GroundsDto {
  @ApiProperty({ type: String, maxLength: 2000 })
  @IsString() @Length(1, 2000) grounds!: string;
}

export class RetainedDto {
  @ApiProperty({ type: String, maxLength: 128 })
  @IsString() @Length(1, 128) category!: string;
  @ApiProperty({ type: String, maxLength: 128 })
  @IsString() @Length(1, 128) reason_code!: string;
  @ApiProperty({ type: String, maxLength: 300 })
  @IsString() @Length(1, 300) source!: string;
  @ApiProperty({ type: String, maxLength: 1000 })
  @IsString() @Length(1, 1000) explanation!: string;
  @ApiPropertyOptional({ type: String, maxLength: 10 })
  @IsOptional() @IsString() @MaxLength(10) retain_until?: string;
}

export class TaskResultDto {
  @ApiProperty({ enum: OUTCOMES })
  @IsIn(OUTCOMES) outcome!: (typeof OUTCOMES)[number];
  @ApiPropertyOptional({ type: 'integer', minimum: 0 })
  @IsOptional() @IsInt() @Min(0) records_affected?: number;
  @ApiPropertyOptional({ type: String, maxLength: 1000 })
  @IsOptional() @IsString() @Length(1, 1000) reason?: string;
  @ApiPropertyOptional({ type: () => [RetainedDto], maxItems: 100 })
  @IsOptional() @IsArray() @ArrayMaxSize(100) @ValidateNested({ each: true }) @Type(() => RetainedDto) retained?: RetainedDto[];
  /** Access/portability: the data the system holds, keyed `<category>` or `<category>#<name>`. Encrypted in the log. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional() @IsObject() data?: Record<string, unknown>;
}

export class ErasureDto {
  @ApiProperty({ type: String, maxLength: 256, example: 'user-123' })
  @IsString() @Length(1, 256) user_id!: string;
  @ApiPropertyOptional({ type: [String], maxItems: 50 })
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 128, { each: true }) data_categories?: string[];
  @ApiPropertyOptional({ enum: JURISDICTIONS })
  @IsOptional() @IsIn(JURISDICTIONS) jurisdiction?: Jurisdiction;
}

export class JurisdictionQuery {
  @ApiPropertyOptional({ enum: JURISDICTIONS })
  @IsOptional() @IsIn(JURISDICTIONS) jurisdiction?: Jurisdiction;
  /** CCPA: data older than the 12-month look-back, back to 1 Jan 2022. */
  @ApiPropertyOptional({ enum: ['true', 'false'] })
  @IsOptional() @IsIn(['true', 'false']) full_history?: 'true' | 'false';
}

export class ExportQuery {
  @ApiPropertyOptional({ enum: ['json', 'csv'] })
  @IsOptional() @IsIn(['json', 'csv']) format?: 'json' | 'csv';
  @ApiPropertyOptional({ enum: JURISDICTIONS })
  @IsOptional() @IsIn(JURISDICTIONS) jurisdiction?: Jurisdiction;
}

export class ListQuery {
  @ApiPropertyOptional({ enum: ['received', 'verified', 'in_progress', 'completed', 'partially_completed', 'rejected'] })
  @IsOptional() @IsIn(['received', 'verified', 'in_progress', 'completed', 'partially_completed', 'rejected']) status?: string;
  @ApiPropertyOptional({ enum: ['true', 'false'] })
  @IsOptional() @IsIn(['true', 'false']) overdue?: 'true' | 'false';
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'only open requests (received, verified, in progress), or only closed ones' })
  @IsOptional() @IsIn(['true', 'false']) open?: 'true' | 'false';
  @ApiPropertyOptional({ enum: ['true'], description: 'only open requests due within the due-soon window (GET /data-subject/requests/counts)' })
  @IsOptional() @IsIn(['true']) due_soon?: 'true';
  @ApiPropertyOptional({ enum: REQUEST_TYPES })
  @IsOptional() @IsIn(REQUEST_TYPES) request_type?: RequestType;
  @ApiPropertyOptional({ enum: JURISDICTIONS })
  @IsOptional() @IsIn(JURISDICTIONS) jurisdiction?: Jurisdiction;
  /** The `next` of the previous page: the next page, in due-date order. */
  @ApiPropertyOptional({ type: String, maxLength: 300 })
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_-]{1,300}$/, { message: 'after must be the next value of a previous page' }) after?: string;
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
}

export class CcpaMetricsQuery {
  @ApiProperty({ type: 'integer', minimum: 2020, maximum: 2100, example: 2025, description: 'calendar year of receipt (California days)' })
  @Type(() => Number) @IsInt() @Min(2020) @Max(2100) year!: number;
  @ApiPropertyOptional({ enum: ['json', 'csv'] })
  @IsOptional() @IsIn(['json', 'csv']) format?: 'json' | 'csv';
}

export class CcpaMetricsRowDto {
  @ApiProperty({ enum: ['delete', 'correct', 'know', 'opt_out_sale_sharing', 'limit'] }) metric!: string;
  @ApiProperty({ type: String, example: 'requests to know' }) name!: string;
  @ApiProperty({ type: String, example: '11 CCR § 7102(a)(1)(C)', description: 'the subsection naming this request type' }) source!: string;
  @ApiProperty({ enum: REQUEST_TYPES }) request_type!: RequestType;
  @ApiProperty({ type: 'integer' }) received!: number;
  @ApiProperty({ type: 'integer' }) complied_in_whole_or_in_part!: number;
  @ApiProperty({ type: 'integer' }) denied!: number;
  @ApiProperty({ type: 'integer', description: 'received in the year, not yet responded to (not a § 7102 figure)' }) pending!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'days from receipt to the response, over the requests complied with or denied' }) median_days!: number | null;
  @ApiProperty({ type: Number, nullable: true }) mean_days!: number | null;
}

export class CcpaMetricsRuleDto {
  @ApiProperty({ type: String }) id!: string;
  @ApiProperty({ type: String, example: '11 CCR § 7102(a)' }) source!: string;
  @ApiProperty({ type: String, description: 'where the regulation text was read' }) text_from!: string;
  @ApiProperty({ type: String, format: 'date' }) effective_from!: string;
  @ApiProperty({ type: String, example: 'calendar_days' }) day_count!: string;
  @ApiProperty({ type: String, description: 'the condition of the duty to publish (10,000,000 or more consumers in a calendar year); the figures are computed whether or not it holds' }) applies_when!: string;
}

export class CcpaMetricsDto {
  @ApiProperty({ type: 'integer' }) year!: number;
  @ApiProperty({ type: String, example: 'America/Los_Angeles' }) timezone!: string;
  @ApiProperty({ type: String, format: 'date' }) disclose_by!: string;
  @ApiProperty({ type: CcpaMetricsRuleDto }) rule!: CcpaMetricsRuleDto;
  @ApiProperty({ type: [CcpaMetricsRowDto] }) rows!: CcpaMetricsRowDto[];
}

export class OpenTasksQuery {
  @ApiPropertyOptional({ enum: ['kafka', 'webhook', 'manual'] })
  @IsOptional() @IsIn(['kafka', 'webhook', 'manual']) integration?: 'kafka' | 'webhook' | 'manual';
  @ApiPropertyOptional({ type: String, maxLength: 200, example: 'system-crm' })
  @IsOptional() @IsString() @Length(1, 200) system_id?: string;
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
}

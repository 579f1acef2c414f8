import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  BREACH_SOURCES,
  CAUSES,
  EXFILTRATION,
  IDENTIFIABILITY,
  MAX_SUBJECT_KEYS_PER_COMMAND,
  RECIPIENT_TRUST,
  RISK_LEVELS,
  UNAVAILABILITY_IMPACT,
  type BreachSource,
  type Cause,
  type Exfiltration,
  type Identifiability,
  type RecipientTrust,
  type RiskLevel,
  type UnavailabilityImpact,
} from '@pl/domain/breach';

const ROLE = /^[a-z][a-z0-9_]{1,60}$/;

export class DetectBreachDto {
  /** When the controller became aware (Art. 33(1)); not in the future. */
  @ApiProperty({ type: String, format: 'date-time' })
  @IsISO8601({ strict: true }) aware_at!: string;
  @ApiProperty({ enum: BREACH_SOURCES })
  @IsIn(BREACH_SOURCES) source!: BreachSource;
  @ApiProperty({ type: String, maxLength: 4000 })
  @IsString() @Length(1, 4000) description!: string;
  /** A role such as `security_operations`, never a person's name. */
  @ApiProperty({ type: String })
  @Matches(ROLE, { message: 'reporter_role must be a snake_case role, not a name' }) reporter_role!: string;
  @ApiProperty({ type: [String], maxItems: 200, minItems: 1 })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(200) @IsString({ each: true }) @Length(1, 100, { each: true }) systems!: string[];
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional() @IsISO8601({ strict: true }) window_from?: string;
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional() @IsISO8601({ strict: true }) window_to?: string;
}

export class SubjectSubsetDto {
  @ApiProperty({ type: String, description: 'snake_case label such as accounts_entered, never personal data' })
  @Matches(/^[a-z][a-z0-9_]{0,59}$/, { message: 'subsets[].label must be a snake_case label' }) label!: string;
  @ApiProperty({ type: 'integer', minimum: 0 })
  @IsInt() @Min(0) @Max(10_000_000_000) subjects_count!: number;
  @ApiPropertyOptional({ type: [String], maxItems: 200 })
  @IsOptional() @IsArray() @ArrayMaxSize(200) @IsString({ each: true }) @Length(1, 120, { each: true }) categories?: string[];
  @ApiPropertyOptional({ type: [String], maxItems: 200 })
  @IsOptional() @IsArray() @ArrayMaxSize(200) @IsString({ each: true }) @Length(1, 120, { each: true }) special_categories?: string[];
  @ApiPropertyOptional({ type: Boolean })
  @IsOptional() @IsBoolean() encrypted?: boolean;
  @ApiPropertyOptional({ type: Boolean })
  @IsOptional() @IsBoolean() keys_safe?: boolean;
  @ApiPropertyOptional({ type: Boolean, description: 'false: the attacker did not reach this subset (e.g. failed log-ins)' })
  @IsOptional() @IsBoolean() exposed?: boolean;
  @ApiPropertyOptional({ type: Boolean })
  @IsOptional() @IsBoolean() misuse_observed?: boolean;
}

export class RiskFactorsDto {
  @ApiProperty({ type: Boolean })
  @IsBoolean() confidentiality!: boolean;
  @ApiProperty({ type: Boolean })
  @IsBoolean() integrity!: boolean;
  @ApiProperty({ type: Boolean })
  @IsBoolean() availability!: boolean;
  @ApiPropertyOptional({ type: [String], maxItems: 200 })
  @IsOptional() @IsArray() @ArrayMaxSize(200) @IsString({ each: true }) @Length(1, 120, { each: true }) categories?: string[];
  @ApiPropertyOptional({ type: [String], maxItems: 200 })
  @IsOptional() @IsArray() @ArrayMaxSize(200) @IsString({ each: true }) @Length(1, 120, { each: true }) special_categories?: string[];
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 10_000_000_000 })
  @IsOptional() @IsInt() @Min(0) @Max(10_000_000_000) subjects_count?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 10_000_000_000_000 })
  @IsOptional() @IsInt() @Min(0) @Max(10_000_000_000_000) records_count?: number;
  @ApiProperty({ enum: IDENTIFIABILITY })
  @IsIn(IDENTIFIABILITY) identifiability!: Identifiability;
  @ApiProperty({ type: Boolean })
  @IsBoolean() encrypted!: boolean;
  @ApiProperty({ type: Boolean })
  @IsBoolean() keys_safe!: boolean;
  @ApiProperty({ type: Boolean })
  @IsBoolean() backup_available!: boolean;
  @ApiProperty({ type: Boolean })
  @IsBoolean() vulnerable_subjects!: boolean;
  @ApiProperty({ type: [String], maxItems: 50 })
  @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 500, { each: true }) likely_consequences!: string[];
  // Optional factors (EDPB Guidelines 01/2021); absent or `unknown` errs toward notifying, with the reason in the output.
  @ApiPropertyOptional({ enum: CAUSES })
  @IsOptional() @IsIn(CAUSES) cause?: Cause;
  @ApiPropertyOptional({ enum: EXFILTRATION, description: 'for attacks on availability (ransomware): did data leave?' })
  @IsOptional() @IsIn(EXFILTRATION) exfiltration?: Exfiltration;
  @ApiPropertyOptional({ enum: RECIPIENT_TRUST, description: 'accidental disclosure: is the recipient bound to confidentiality?' })
  @IsOptional() @IsIn(RECIPIENT_TRUST) recipient_trust?: RecipientTrust;
  @ApiPropertyOptional({ type: Boolean, description: 'the recipient confirmed deletion or returned the data' })
  @IsOptional() @IsBoolean() data_recovered?: boolean;
  @ApiPropertyOptional({ type: 'integer', minimum: 0 })
  @IsOptional() @IsInt() @Min(0) @Max(10_000_000_000) wrong_recipients?: number;
  @ApiPropertyOptional({ type: Boolean, description: 'misuse of the data has already been observed' })
  @IsOptional() @IsBoolean() misuse_observed?: boolean;
  @ApiPropertyOptional({ type: Number, minimum: 0, description: 'how long the data was or will be unavailable, backup or not' })
  @IsOptional() @IsNumber() @Min(0) @Max(1_000_000) unavailability_hours?: number;
  @ApiPropertyOptional({ enum: UNAVAILABILITY_IMPACT, description: 'serious: care, payments or other essential services disrupted' })
  @IsOptional() @IsIn(UNAVAILABILITY_IMPACT) unavailability_impact?: UnavailabilityImpact;
  @ApiPropertyOptional({ type: () => [SubjectSubsetDto], maxItems: 20, description: 'subjects whose data or protection differs' })
  @IsOptional() @IsArray() @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => SubjectSubsetDto) subsets?: SubjectSubsetDto[];
}

export class RiskOverrideDto {
  @ApiProperty({ enum: RISK_LEVELS })
  @IsIn(RISK_LEVELS) level!: RiskLevel;
  @ApiProperty({ type: String, maxLength: 2000 })
  @IsString() @Length(1, 2000) reason!: string;
}

export class AssessBreachDto {
  @ApiProperty({ type: () => RiskFactorsDto })
  @ValidateNested() @Type(() => RiskFactorsDto) factors!: RiskFactorsDto;
  /** Affected subjects per ISO 3166 code (`DE`, `US-CA`); taken from the scope when omitted and use_scope is set. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional() @IsObject() subject_jurisdictions?: Record<string, number>;
  /** EEA member state of the main establishment; null/absent for a controller established outside the EEA. */
  @ApiPropertyOptional({ type: String })
  @IsOptional() @Matches(/^[A-Z]{2}$/) main_establishment?: string | null;
  @ApiProperty({ type: [String], maxItems: 50 })
  @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 1000, { each: true }) measures_taken!: string[];
  @ApiProperty({ type: [String], maxItems: 50 })
  @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 1000, { each: true }) measures_proposed!: string[];
  /** DPO or other contact point (Art. 33(3)(b)): an office address, not a private person's. */
  @ApiProperty({ type: String, maxLength: 300 })
  @IsString() @Length(1, 300) contact_point!: string;
  /** The assessor's judgement when it differs from the computed level, with the reason (documented). */
  @ApiPropertyOptional({ type: () => RiskOverrideDto })
  @IsOptional() @ValidateNested() @Type(() => RiskOverrideDto) override?: RiskOverrideDto;
  /** Compute the scope from receipts and the catalog as of awareness, record it, and fill missing factors from it. */
  @ApiPropertyOptional({ type: Boolean })
  @IsOptional() @IsBoolean() use_scope?: boolean;
}

export class ScopeDto {
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional() @IsISO8601({ strict: true }) window_from?: string;
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional() @IsISO8601({ strict: true }) window_to?: string;
}

export class NotifyAuthorityDto {
  @ApiProperty({ type: String })
  @Matches(/^[A-Z]{2}$/, { message: 'authority must be an ISO 3166-1 alpha-2 member state code' }) authority!: string;
  @ApiProperty({ enum: ['initial', 'additional'] })
  @IsIn(['initial', 'additional']) phase!: 'initial' | 'additional';
  @ApiPropertyOptional({ type: String, maxLength: 200 })
  @IsOptional() @IsString() @Length(1, 200) reference?: string;
  @ApiPropertyOptional({ type: String, maxLength: 4000 })
  @IsOptional() @IsString() @Length(1, 4000) delay_reason?: string;
}

export class NotifySubjectsDto {
  @ApiProperty({ enum: ['EU', 'US-CA'] })
  @IsIn(['EU', 'US-CA']) jurisdiction!: 'EU' | 'US-CA';
  @ApiProperty({ enum: ['email', 'letter', 'sms', 'in_app', 'phone', 'public_communication'] })
  @IsIn(['email', 'letter', 'sms', 'in_app', 'phone', 'public_communication']) channel!: string;
  /** Number of subjects told; defaults to the number of subjects in the scope with from_scope. */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 10_000_000_000 })
  @IsOptional() @IsInt() @Min(1) @Max(10_000_000_000) subjects_count?: number;
  /** The caller's subject ids; pseudonymised before they reach the log (never stored in clear). */
  @ApiPropertyOptional({ type: [String] })
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_SUBJECT_KEYS_PER_COMMAND) @IsString({ each: true }) @Length(1, 200, { each: true }) subject_ids?: string[];
  /** Fan out to every subject in the breach's scope (receipts of the affected systems in the window), by pseudonymous key. */
  @ApiPropertyOptional({ type: Boolean })
  @IsOptional() @IsBoolean() from_scope?: boolean;
  @ApiPropertyOptional({ type: String, maxLength: 4000 })
  @IsOptional() @IsString() @Length(1, 4000) delay_reason?: string;
}

export class SubjectExemptionDto {
  @ApiProperty({ enum: ['a', 'b', 'c'] })
  @IsIn(['a', 'b', 'c']) ground!: 'a' | 'b' | 'c';
  @ApiProperty({ type: String, maxLength: 4000 })
  @IsString() @Length(1, 4000) justification!: string;
  @ApiPropertyOptional({ type: String, maxLength: 4000 })
  @IsOptional() @IsString() @Length(1, 4000) public_communication?: string;
}

export class AttorneyGeneralDto {
  @ApiPropertyOptional({ type: String, maxLength: 200 })
  @IsOptional() @IsString() @Length(1, 200) reference?: string;
}

export class CloseBreachDto {
  @ApiProperty({ type: String, maxLength: 4000 })
  @IsString() @Length(1, 4000) summary!: string;
}

export class ReopenBreachDto {
  @ApiProperty({ type: String, maxLength: 4000 })
  @IsString() @Length(0, 4000) reason!: string;
}

export class ListBreachesQuery {
  @ApiPropertyOptional({ enum: ['open', 'closed'] })
  @IsOptional() @IsIn(['open', 'closed']) status?: 'open' | 'closed';
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  /** The `next` of the previous page: the next page, newest awareness first. */
  @ApiPropertyOptional({ type: String, maxLength: 300 })
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_-]{1,300}$/, { message: 'after must be the next value of a previous page' }) after?: string;
}

export class DraftsQuery {
  @ApiPropertyOptional({ type: String, maxLength: 200 })
  @IsOptional() @IsString() @Length(1, 200) controller?: string;
  @ApiPropertyOptional({ enum: ['json', 'text'] })
  @IsOptional() @IsIn(['json', 'text']) format?: 'json' | 'text';
}

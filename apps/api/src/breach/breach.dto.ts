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
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { BREACH_SOURCES, IDENTIFIABILITY, MAX_SUBJECT_KEYS_PER_COMMAND, RISK_LEVELS, type BreachSource, type Identifiability, type RiskLevel } from '@pl/domain/breach';

const ROLE = /^[a-z][a-z0-9_]{1,60}$/;

export class DetectBreachDto {
  /** When the controller became aware (Art. 33(1)); not in the future. */
  @IsISO8601({ strict: true }) aware_at!: string;
  @IsIn(BREACH_SOURCES) source!: BreachSource;
  @IsString() @Length(1, 4000) description!: string;
  /** A role such as `security_operations`, never a person's name. */
  @Matches(ROLE, { message: 'reporter_role must be a snake_case role, not a name' }) reporter_role!: string;
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(200) @IsString({ each: true }) @Length(1, 100, { each: true }) systems!: string[];
  @IsOptional() @IsISO8601({ strict: true }) window_from?: string;
  @IsOptional() @IsISO8601({ strict: true }) window_to?: string;
}

export class RiskFactorsDto {
  @IsBoolean() confidentiality!: boolean;
  @IsBoolean() integrity!: boolean;
  @IsBoolean() availability!: boolean;
  @IsOptional() @IsArray() @ArrayMaxSize(200) @IsString({ each: true }) @Length(1, 120, { each: true }) categories?: string[];
  @IsOptional() @IsArray() @ArrayMaxSize(200) @IsString({ each: true }) @Length(1, 120, { each: true }) special_categories?: string[];
  @IsOptional() @IsInt() @Min(0) @Max(10_000_000_000) subjects_count?: number;
  @IsOptional() @IsInt() @Min(0) @Max(10_000_000_000_000) records_count?: number;
  @IsIn(IDENTIFIABILITY) identifiability!: Identifiability;
  @IsBoolean() encrypted!: boolean;
  @IsBoolean() keys_safe!: boolean;
  @IsBoolean() backup_available!: boolean;
  @IsBoolean() vulnerable_subjects!: boolean;
  @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 500, { each: true }) likely_consequences!: string[];
}

export class RiskOverrideDto {
  @IsIn(RISK_LEVELS) level!: RiskLevel;
  @IsString() @Length(1, 2000) reason!: string;
}

export class AssessBreachDto {
  @ValidateNested() @Type(() => RiskFactorsDto) factors!: RiskFactorsDto;
  /** Affected subjects per ISO 3166 code (`DE`, `US-CA`); taken from the scope when omitted and use_scope is set. */
  @IsOptional() @IsObject() subject_jurisdictions?: Record<string, number>;
  /** EEA member state of the main establishment; null/absent for a controller established outside the EEA. */
  @IsOptional() @Matches(/^[A-Z]{2}$/) main_establishment?: string | null;
  @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 1000, { each: true }) measures_taken!: string[];
  @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 1000, { each: true }) measures_proposed!: string[];
  /** DPO or other contact point (Art. 33(3)(b)): an office address, not a private person's. */
  @IsString() @Length(1, 300) contact_point!: string;
  /** The assessor's judgement when it differs from the computed level, with the reason (documented). */
  @IsOptional() @ValidateNested() @Type(() => RiskOverrideDto) override?: RiskOverrideDto;
  /** Compute the scope from receipts and the catalog as of awareness, record it, and fill missing factors from it. */
  @IsOptional() @IsBoolean() use_scope?: boolean;
}

export class ScopeDto {
  @IsOptional() @IsISO8601({ strict: true }) window_from?: string;
  @IsOptional() @IsISO8601({ strict: true }) window_to?: string;
}

export class NotifyAuthorityDto {
  @Matches(/^[A-Z]{2}$/, { message: 'authority must be an ISO 3166-1 alpha-2 member state code' }) authority!: string;
  @IsIn(['initial', 'additional']) phase!: 'initial' | 'additional';
  @IsOptional() @IsString() @Length(1, 200) reference?: string;
  @IsOptional() @IsString() @Length(1, 4000) delay_reason?: string;
}

export class NotifySubjectsDto {
  @IsIn(['EU', 'US-CA']) jurisdiction!: 'EU' | 'US-CA';
  @IsIn(['email', 'letter', 'sms', 'in_app', 'phone', 'public_communication']) channel!: string;
  /** Number of subjects told; defaults to the number of subjects in the scope with from_scope. */
  @IsOptional() @IsInt() @Min(1) @Max(10_000_000_000) subjects_count?: number;
  /** The caller's subject ids; pseudonymised before they reach the log (never stored in clear). */
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_SUBJECT_KEYS_PER_COMMAND) @IsString({ each: true }) @Length(1, 200, { each: true }) subject_ids?: string[];
  /** Fan out to every subject in the breach's scope (receipts of the affected systems in the window), by pseudonymous key. */
  @IsOptional() @IsBoolean() from_scope?: boolean;
  @IsOptional() @IsString() @Length(1, 4000) delay_reason?: string;
}

export class SubjectExemptionDto {
  @IsIn(['a', 'b', 'c']) ground!: 'a' | 'b' | 'c';
  @IsString() @Length(1, 4000) justification!: string;
  @IsOptional() @IsString() @Length(1, 4000) public_communication?: string;
}

export class AttorneyGeneralDto {
  @IsOptional() @IsString() @Length(1, 200) reference?: string;
}

export class CloseBreachDto {
  @IsString() @Length(1, 4000) summary!: string;
}

export class ReopenBreachDto {
  @IsString() @Length(0, 4000) reason!: string;
}

export class ListBreachesQuery {
  @IsOptional() @IsIn(['open', 'closed']) status?: 'open' | 'closed';
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}

export class DraftsQuery {
  @IsOptional() @IsString() @Length(1, 200) controller?: string;
  @IsOptional() @IsIn(['json', 'text']) format?: 'json' | 'text';
}

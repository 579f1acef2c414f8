import { SUBJECT_KEY_PATTERN } from '@pl/domain';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Length, Matches } from 'class-validator';


/** Why personal data is read (Art. 5(2)): recorded with every release. */
export class AccessPurposeDto {
  @ApiPropertyOptional({ type: String })
  @IsOptional() @IsString() @Matches(/^[a-z0-9_.:-]{1,64}$/, { message: 'purpose must be a short code such as audit or access_request' }) purpose?: string;
  @ApiPropertyOptional({ type: String, maxLength: 100 })
  @IsOptional() @IsString() @Length(1, 100) @Matches(/^[A-Za-z0-9._:-]+$/) request_id?: string;
}

export class ExportQueryDto extends AccessPurposeDto {
  /** Pseudonymous subject key (`sub_...`). */
  @ApiPropertyOptional({ type: String })
  @IsOptional() @Matches(SUBJECT_KEY_PATTERN, { message: 'subject_key must be a pseudonymous key sub_...' }) subject_key?: string;
  /** The controller's user id; pseudonymised at once, never stored or logged. */
  @ApiPropertyOptional({ type: String, maxLength: 200, example: 'user-123' })
  @IsOptional() @IsString() @Length(1, 200) user_id?: string;
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional() @IsISO8601({ strict: true }) from?: string;
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional() @IsISO8601({ strict: true }) to?: string;
  /** Event type prefix (a context): `consent`, `rights`, `breach.`, ... */
  @ApiPropertyOptional({ type: String })
  @IsOptional() @Matches(/^[a-z_]+\.?$/, { message: 'context must be a type prefix such as consent or rights' }) context?: string;
}

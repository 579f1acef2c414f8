import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { WEBHOOK_TOPICS } from '@pl/messaging';

export class RegisterEndpointDto {
  @ApiProperty({ example: 'crm', pattern: '^[a-z0-9][a-z0-9._-]{0,62}$' })
  @Matches(/^[a-z0-9][a-z0-9._-]{0,62}$/, { message: 'service must be 1-63 lowercase letters, digits, dot, dash or underscore' }) service!: string;
  @ApiProperty({ example: 'https://crm.example.com/hooks/privacy', maxLength: 2048 })
  @IsString() @MaxLength(2048) url!: string;
  @ApiProperty({ enum: WEBHOOK_TOPICS, isArray: true, minItems: 1, maxItems: 10 })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(10) @IsIn(WEBHOOK_TOPICS, { each: true }) topics!: string[];
  @ApiPropertyOptional({ example: 'system-crm', maxLength: 200 })
  @IsOptional() @IsString() @Length(1, 200) system_id?: string;
}

export class DeliveriesQuery {
  @ApiPropertyOptional({ example: 'crm', maxLength: 63 })
  @IsOptional() @IsString() @Length(1, 63) service?: string;
  @ApiPropertyOptional({ example: '0b9f6a52-2c1e-4d7a-9a57-5f0c3d2e1a10', maxLength: 64 })
  @IsOptional() @IsString() @Length(1, 64) event_id?: string;
  @ApiPropertyOptional({ enum: ['pending', 'delivered', 'dead'] })
  @IsOptional() @IsIn(['pending', 'delivered', 'dead']) status?: 'pending' | 'delivered' | 'dead';
  @ApiPropertyOptional({ type: Number, minimum: 1, maximum: 1000, example: 100 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}

export class RetryDeliveriesDto {
  @ApiPropertyOptional({ example: 'crm', maxLength: 63 })
  @IsOptional() @IsString() @Length(1, 63) service?: string;
  @ApiPropertyOptional({ type: [String], example: ['42'], maxItems: 1000 })
  @IsOptional() @IsArray() @ArrayMaxSize(1000) @Matches(/^\d{1,18}$/, { each: true }) delivery_ids?: string[];
}

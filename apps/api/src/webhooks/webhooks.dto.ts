import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { WEBHOOK_TOPICS } from '@pl/messaging';

export class RegisterEndpointDto {
  @Matches(/^[a-z0-9][a-z0-9._-]{0,62}$/, { message: 'service must be 1-63 lowercase letters, digits, dot, dash or underscore' }) service!: string;
  @IsString() @MaxLength(2048) url!: string;
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(10) @IsIn(WEBHOOK_TOPICS, { each: true }) topics!: string[];
  @IsOptional() @IsString() @Length(1, 200) system_id?: string;
}

export class DeliveriesQuery {
  @IsOptional() @IsString() @Length(1, 63) service?: string;
  @IsOptional() @IsString() @Length(1, 64) event_id?: string;
  @IsOptional() @IsIn(['pending', 'delivered', 'dead']) status?: 'pending' | 'delivered' | 'dead';
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}

export class RetryDeliveriesDto {
  @IsOptional() @IsString() @Length(1, 63) service?: string;
  @IsOptional() @IsArray() @ArrayMaxSize(1000) @Matches(/^\d{1,18}$/, { each: true }) delivery_ids?: string[];
}

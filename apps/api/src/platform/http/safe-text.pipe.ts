import { BadRequestException, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { unsafeTextPath, UNSAFE_TEXT_MESSAGES } from '@pl/domain';

/**
 * Refuses NUL, lone UTF-16 surrogates and noncharacters in every body, query and path parameter
 * before any handler sees them (ARCHITECTURE invariant 10): PostgreSQL cannot store NUL or a lone
 * surrogate in jsonb, and the read models use U+FDD0 as their escape. The answer names the field
 * path, never the value. Runs before the class-validator pipe, after the auth guard.
 */
export class SafeTextPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const found = unsafeTextPath(value, metadata.data ?? '');
    if (!found) return value;
    const problem = UNSAFE_TEXT_MESSAGES[found.reason];
    throw new BadRequestException({ message: `${found.path} ${problem}`, details: [{ field: found.path, problems: [problem] }] });
  }
}

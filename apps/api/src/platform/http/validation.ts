import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';
import { fieldName } from '@pl/domain';

function problemsOf(e: ValidationError): string[] {
  // class-validator's whitelist message quotes the unknown key ("property <key> should not exist").
  return Object.entries(e.constraints ?? {}).map(([rule, message]) => (rule === 'whitelistValidation' ? 'unknown field' : message));
}

function flatten(errors: ValidationError[], prefix = ''): Array<{ field: string; problems: string[] }> {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${fieldName(e.property)}` : fieldName(e.property);
    const own = e.constraints ? [{ field, problems: problemsOf(e) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/**
 * whitelist + forbidNonWhitelisted + transform; details list fields and rules, never the rejected
 * values, and unknown keys only when they are plain names.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new BadRequestException({ message: 'request validation failed', details: flatten(errors) }),
  });
}

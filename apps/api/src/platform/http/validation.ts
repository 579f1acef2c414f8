import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { validationDetails } from './validation-details';

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
    exceptionFactory: (errors) => new BadRequestException({ message: 'request validation failed', details: validationDetails(errors) }),
  });
}

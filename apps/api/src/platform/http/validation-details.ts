import type { ValidationError } from 'class-validator';
import { fieldName } from '@pl/domain';

function problemsOf(e: ValidationError): string[] {
  // class-validator's whitelist message quotes the unknown key ("property <key> should not exist").
  return Object.entries(e.constraints ?? {}).map(([rule, message]) => (rule === 'whitelistValidation' ? 'unknown field' : message));
}

/** class-validator's errors as the error body's details: each field with its problems (the CLI prints the same reasons). */
export function validationDetails(errors: ValidationError[], prefix = ''): Array<{ field: string; problems: string[] }> {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${fieldName(e.property)}` : fieldName(e.property);
    const own = e.constraints ? [{ field, problems: problemsOf(e) }] : [];
    return [...own, ...validationDetails(e.children ?? [], field)];
  });
}

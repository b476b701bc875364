// Requests are checked against the validators compiled from the spec; the validator fills in
// defaults and coerces parameters in place, so the handler receives exactly what the spec says.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { ApiError, type FieldError } from './problem.ts';

const MAX_REPORTED_ERRORS = 100;

export function validateOrThrow(validate: ValidateFunction, data: unknown, where: string): void {
  if (validate(data)) return;
  throw new ApiError('E1001', 'The request does not match the schema.', { errors: fieldErrors(validate.errors ?? [], where) });
}

/** Ajv's errors as the API reports them: a JSON pointer into the request and a message. */
export function fieldErrors(errors: ErrorObject[], where: string): FieldError[] {
  return errors.slice(0, MAX_REPORTED_ERRORS).map((e) => {
    const p = e.params as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
    if (e.keyword === 'required') return { path: `${where}${e.instancePath}/${p.missingProperty}`, message: 'is required' };
    if (e.keyword === 'additionalProperties') {
      return { path: `${where}${e.instancePath}/${p.additionalProperty}`, message: 'is not a known field' };
    }
    if (e.keyword === 'enum') {
      return { path: `${where}${e.instancePath}`, message: `must be one of: ${(p.allowedValues ?? []).join(', ')}` };
    }
    return { path: `${where}${e.instancePath}`, message: e.message ?? 'is invalid' };
  });
}

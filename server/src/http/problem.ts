// The only way to make a client-visible error: a catalog code, and what this request adds to it.
// Anything thrown that is not an ApiError becomes E1000 with nothing of its message exposed.
import { errorCatalog, PROBLEM_TYPE_BASE, type ErrorCode } from '../generated/errors.ts';

export interface FieldError {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** A field error, with the line and column only when they are known. */
export function fieldError(path: string, message: string, at: { line?: number | undefined; column?: number | undefined } = {}): FieldError {
  const error: FieldError = { path, message };
  if (at.line !== undefined) error.line = at.line;
  if (at.column !== undefined) error.column = at.column;
  return error;
}

export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string | undefined;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  /** `cause`: what failed behind a 5xx the answer explains in its own words; logged, never shown. */
  constructor(code: ErrorCode, detail?: string, options: { errors?: FieldError[]; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(detail ?? errorCatalog[code].title, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = errorCatalog[code].status;
    this.detail = detail;
    this.errors = options.errors;
    this.headers = options.headers;
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail?: string;
  instance?: string;
  request_id: string;
  errors?: FieldError[];
}

export function problemOf(error: ApiError, requestId: string, instance?: string): Problem {
  const body: Problem = {
    type: PROBLEM_TYPE_BASE + error.code,
    title: errorCatalog[error.code].title,
    status: error.status,
    code: error.code,
    request_id: requestId,
  };
  if (error.detail !== undefined) body.detail = error.detail;
  if (instance !== undefined) body.instance = instance;
  if (error.errors !== undefined) body.errors = error.errors;
  return body;
}

// The one error tree (SDK.md "Errors"): callers catch by class, and every API failure carries the
// problem+json fields (RFC 9457 plus our `code`, `request_id`, `errors`).

export interface FieldError {
  path: string;
  message: string;
  [extra: string]: unknown;
}

/** Base of every error this SDK throws. */
export class TransmuteError extends Error {
  override name = 'TransmuteError';
}

/** A failure while talking to the API (as opposed to a misuse of the SDK). */
export class APIError extends TransmuteError {
  override name = 'APIError';
}

/** The API answered with a status that is not a success. */
export class APIStatusError extends APIError {
  override name = 'APIStatusError';
  readonly status: number;
  /** The catalog code (`E1001`…), or null when the body was not a problem document. */
  readonly code: string | null;
  readonly title: string | null;
  readonly detail: string | null;
  readonly request_id: string | null;
  /** Per-field validation errors; empty when there are none. */
  readonly errors: readonly FieldError[];
  readonly headers: Headers;
  /** The parsed JSON body, or the text when it was not JSON. */
  readonly body: unknown;

  constructor(status: number, body: unknown, headers: Headers) {
    const problem = isRecord(body) ? body : {};
    const text = (key: string): string | null => (typeof problem[key] === 'string' ? (problem[key] as string) : null);
    const title = text('title');
    const detail = text('detail');
    super(`${status} ${[title, detail].filter(Boolean).join(': ') || 'status code with no problem body'}`);
    this.status = status;
    this.code = text('code');
    this.title = title;
    this.detail = detail;
    this.request_id = text('request_id') ?? headers.get('x-request-id');
    this.errors = Array.isArray(problem.errors) ? (problem.errors as FieldError[]) : [];
    this.headers = headers;
    this.body = body;
  }
}

export class BadRequestError extends APIStatusError {
  override name = 'BadRequestError';
}
export class AuthenticationError extends APIStatusError {
  override name = 'AuthenticationError';
}
export class PermissionDeniedError extends APIStatusError {
  override name = 'PermissionDeniedError';
}
export class NotFoundError extends APIStatusError {
  override name = 'NotFoundError';
}
export class ConflictError extends APIStatusError {
  override name = 'ConflictError';
}
export class UnprocessableEntityError extends APIStatusError {
  override name = 'UnprocessableEntityError';
}
export class RateLimitError extends APIStatusError {
  override name = 'RateLimitError';
}
export class InternalServerError extends APIStatusError {
  override name = 'InternalServerError';
}

/** The request never got a response (DNS, refused, reset). */
export class APIConnectionError extends APIError {
  override name = 'APIConnectionError';
  constructor(message = 'Connection error.', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The call's overall deadline passed (retries included). */
export class APITimeoutError extends APIConnectionError {
  override name = 'APITimeoutError';
  constructor(message = 'Request timed out.') {
    super(message);
  }
}

/** The caller's AbortSignal fired. */
export class APIUserAbortError extends APIError {
  override name = 'APIUserAbortError';
  constructor(options?: { cause?: unknown }) {
    super('Request was aborted.', options);
  }
}

const BY_STATUS: Record<number, typeof APIStatusError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  422: UnprocessableEntityError,
  429: RateLimitError,
};

/** The error class for a status: one per documented status, InternalServerError for any 5xx. */
export function errorFor(status: number, body: unknown, headers: Headers): APIStatusError {
  const Class = BY_STATUS[status] ?? (status >= 500 ? InternalServerError : APIStatusError);
  return new Class(status, body, headers);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

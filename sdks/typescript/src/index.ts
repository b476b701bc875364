// The package's public surface; everything else under src/internal is private (package `exports`).
export { Transmute } from './generated/client.ts';
export { Transmute as default } from './generated/client.ts';
export { operations } from './generated/operations.ts';
export { VERSION } from './generated/version.ts';
export type * from './generated/models/index.ts';
export type * from './generated/events.ts';
export type { ClientOptions, RequestOptions } from './internal/core.ts';
export { APIPromise, type WithResponse } from './internal/api-promise.ts';
export { Page, PagePromise } from './internal/pagination.ts';
export { Stream } from './internal/stream.ts';
export type { ServerSentEvent } from './internal/sse.ts';
export type { Logger, LogLevel } from './internal/log.ts';
export {
  TransmuteError,
  APIError,
  APIStatusError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  UnprocessableEntityError,
  RateLimitError,
  InternalServerError,
  APIConnectionError,
  APITimeoutError,
  APIUserAbortError,
  type FieldError,
} from './internal/errors.ts';
export { WebhookVerificationError, WEBHOOK_TOLERANCE_S, type WebhookHeaders, type VerifyOptions } from './lib/webhook-signature.ts';
export type { WaitOptions } from './lib/jobs.ts';

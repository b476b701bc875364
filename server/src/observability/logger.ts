// Structured logs (pino). Credentials are redacted by path before a line is written, so a
// careless log call cannot leak a key.
import pino, { type Logger } from 'pino';

export type { Logger };

// Explicit paths only: wildcard paths make pino walk every logged object, which cost more per
// request than the rest of logging (make bench's profile). Log calls never pass request headers or
// bodies; these paths catch the fields that would carry a credential if one ever did.
export const REDACTED_PATHS = [
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  'password',
  'secret',
  'token',
  'api_key',
  'access_token',
  'refresh_token',
  'mfa_token',
  'code',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'transmute' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
